// The few ncurses macros and globals Swift cannot import, as functions.
#ifndef CNCURSES_SHIM_H
#define CNCURSES_SHIM_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
static inline int cn_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int cn_attr_bold(void) { return (int)A_BOLD; }
static inline int cn_attr_dim(void) { return (int)A_DIM; }
static inline int cn_attr_reverse(void) { return (int)A_REVERSE; }
static inline int cn_attr_underline(void) { return (int)A_UNDERLINE; }
static inline int cn_attr_normal(void) { return (int)A_NORMAL; }
static inline void cn_set_attr(WINDOW *window, int attributes) { wattrset(window, attributes); }
static inline int cn_key_f(int n) { return KEY_F(n); }

/// Restores the terminal when the process dies of a crash signal, then dies as it would have.
static void cn_crash_handler(int number) {
  endwin();
  signal(number, SIG_DFL);
  raise(number);
}

static inline void cn_install_crash_restore(void) {
  signal(SIGSEGV, cn_crash_handler);
  signal(SIGABRT, cn_crash_handler);
  signal(SIGBUS, cn_crash_handler);
  signal(SIGILL, cn_crash_handler);
  signal(SIGFPE, cn_crash_handler);
}

/// Whether the terminal named by TERM can move the cursor (has `cup`): 1 yes, 0 no, -1 when
/// TERM names no terminal the terminfo database knows. Nothing is drawn.
static inline int cn_terminal_addresses_cursor(void) {
  int error = 0;
  if (setupterm(NULL, 1, &error) != OK) return -1;
  char *cup = tigetstr("cup");
  int result = (cup != NULL && cup != (char *)-1) ? 1 : 0;
  del_curterm(cur_term);
  cur_term = NULL;
  return result;
}

#endif
