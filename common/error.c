/*
 * error.c - the last error message, warnings and fatal exits.  One message
 * is kept per thread (a full graph build scans blobs on two); it is set once
 * where a failure happens and passed up unchanged.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

static _Thread_local char last_error[1024];

static GI_PRINTF(1, 0) void set_msg(const char *fmt, va_list ap)
{
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
}

int gi_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_msg(fmt, ap);
	va_end(ap);
	return GI_ERROR;
}

int gi_error_setc(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_msg(fmt, ap);
	va_end(ap);
	return code;
}

const char *gi_error_last(void)
{
	return last_error;
}

void gi_error_clear(void)
{
	last_error[0] = '\0';
}

void gi_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void gi_die(const char *fmt, ...)
{
	va_list ap;

	fputs("fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(128);
}
