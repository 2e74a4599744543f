/* SPDX-License-Identifier: MIT */
/*
 * A strict JSON checker for what the tools print (tests/lib/jsoncheck.c):
 * the grammar of RFC 8259 (objects, arrays, strings with their escapes and
 * surrogate pairs, numbers, true, false, null; no trailing commas, no
 * control characters in strings, well-formed UTF-8) and one rule more:
 * no object holds a key twice, at any depth (keys compared after their
 * escapes are decoded, so "a" and "\u0061" are the same key). A recursive
 * descent, depth-limited; it builds nothing but the keys of the objects it
 * is inside.
 */
#ifndef NETPOOL_TEST_JSONCHECK_H
#define NETPOOL_TEST_JSONCHECK_H

#include <stdbool.h>
#include <stddef.h>

/**
 * t_json_check() - check that @len bytes at @text are one JSON value,
 * whitespace around it allowed, no key twice in any object.
 * @text: the text (need not be NUL-terminated)
 * @len: its length
 * @why: where to write what is wrong and at which offset (may be NULL)
 * @why_len: the room at @why
 * Return: true when it is, false otherwise (@why says why).
 */
bool t_json_check(const char *text, size_t len, char *why, size_t why_len);

/**
 * t_json_check_lines() - check that every line of @text is one JSON object
 * (t_json_check() on each, and '{' first): the tools' --json output.
 * @text: NUL-terminated lines; a final newline is allowed, an empty line
 *	  elsewhere is not
 * @why: what is wrong, with the line's number (may be NULL)
 * @why_len: the room at @why
 * Return: the number of lines checked (0 for an empty @text), or -1 when
 * one is not a JSON object or holds a key twice (@why says which).
 */
int t_json_check_lines(const char *text, char *why, size_t why_len);

#endif /* NETPOOL_TEST_JSONCHECK_H */
