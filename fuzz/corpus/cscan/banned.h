/*
 * banned.h - functions that are easy to misuse (git's banned.h).  Any use
 * after this header is a compile error.
 */
#ifndef GI_BANNED_H
#define GI_BANNED_H

#define GI_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) GI_BANNED(strcpy)
#undef strcat
#define strcat(x, y) GI_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) GI_BANNED(strncpy)
#undef sprintf
#define sprintf(...) GI_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) GI_BANNED(vsprintf)
#undef atoi
#define atoi(x) GI_BANNED(atoi)
#undef atol
#define atol(x) GI_BANNED(atol)
/* gi_qsort(): qsort's base is declared non-null even for 0 elements. */
#undef qsort
#define qsort(b, n, s, c) GI_BANNED(qsort)
#undef gets
#define gets(x) GI_BANNED(gets)

#endif
