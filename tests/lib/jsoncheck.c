/* SPDX-License-Identifier: MIT */
/* A strict JSON checker that refuses a key twice in an object (see jsoncheck.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsoncheck.h"

#define JC_MAX_DEPTH	64

struct jc {
	const unsigned char *s;
	size_t len, pos;
	unsigned int depth;
	char *why;
	size_t why_len;
	bool failed;
};

/* A decoded string (a key), grown as it is read. */
struct jc_str {
	char *b;
	size_t n, cap;
};

static bool jc_fail(struct jc *j, const char *what)
{
	if (!j->failed && j->why && j->why_len)
		snprintf(j->why, j->why_len, "%s at offset %zu", what, j->pos);
	j->failed = true;
	return false;
}

static int jc_peek(const struct jc *j)
{
	return j->pos < j->len ? j->s[j->pos] : -1;
}

static void jc_ws(struct jc *j)
{
	while (j->pos < j->len && (j->s[j->pos] == ' ' || j->s[j->pos] == '\t' ||
				   j->s[j->pos] == '\n' || j->s[j->pos] == '\r'))
		j->pos++;
}

static bool jc_put(struct jc *j, struct jc_str *out, const void *p, size_t n)
{
	if (!out)
		return true;
	if (out->n + n > out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 32;
		char *b;

		while (cap < out->n + n)
			cap *= 2;
		b = realloc(out->b, cap);
		if (!b)
			return jc_fail(j, "out of memory");
		out->b = b;
		out->cap = cap;
	}
	memcpy(out->b + out->n, p, n);
	out->n += n;
	return true;
}

static int jc_hex4(const unsigned char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* \uXXXX (j->pos at the 'u'), a surrogate pair as one code point, into @out as UTF-8. */
static bool jc_unicode(struct jc *j, struct jc_str *out)
{
	unsigned char u[4];
	uint32_t cp;
	size_t n;
	int hi, lo = 0;

	if (j->len - j->pos < 5 || (hi = jc_hex4(j->s + j->pos + 1)) < 0)
		return jc_fail(j, "bad \\u escape");
	j->pos += 5;
	cp = (uint32_t)hi;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return jc_fail(j, "lone low surrogate");
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (j->len - j->pos < 6 || j->s[j->pos] != '\\' || j->s[j->pos + 1] != 'u' ||
		    (lo = jc_hex4(j->s + j->pos + 2)) < 0xdc00 || lo > 0xdfff)
			return jc_fail(j, "high surrogate without its low one");
		j->pos += 6;
		cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
	}
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return jc_put(j, out, u, n);
}

/* One UTF-8 sequence of two to four bytes (j->pos at its lead byte), copied to @out. */
static bool jc_utf8(struct jc *j, struct jc_str *out)
{
	const unsigned char *p = j->s + j->pos;
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return jc_fail(j, "bad UTF-8 lead byte");
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (j->len - j->pos < n || p[1] < lo || p[1] > hi)
		return jc_fail(j, "bad UTF-8 sequence");
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return jc_fail(j, "bad UTF-8 sequence");
	j->pos += n;
	return jc_put(j, out, p, n);
}

/* A string (j->pos at its '"'), decoded into @out when not NULL. */
static bool jc_string(struct jc *j, struct jc_str *out)
{
	j->pos++;
	for (;;) {
		int c = jc_peek(j);

		if (c < 0)
			return jc_fail(j, "unterminated string");
		if (c == '"') {
			j->pos++;
			return true;
		}
		if (c < 0x20)
			return jc_fail(j, "control character in a string");
		if (c >= 0x80) {
			if (!jc_utf8(j, out))
				return false;
			continue;
		}
		if (c != '\\') {
			unsigned char b = (unsigned char)c;

			j->pos++;
			if (!jc_put(j, out, &b, 1))
				return false;
			continue;
		}
		j->pos++;
		c = jc_peek(j);
		if (c == 'u') {
			if (!jc_unicode(j, out))
				return false;
			continue;
		}
		{
			static const char esc[] = "\"\\/bfnrt", val[] = "\"\\/\b\f\n\r\t";
			const char *e = c > 0 ? strchr(esc, c) : NULL;

			if (!e)
				return jc_fail(j, "bad escape");
			j->pos++;
			if (!jc_put(j, out, &val[e - esc], 1))
				return false;
		}
	}
}

static bool jc_digits(struct jc *j)
{
	size_t start = j->pos;

	while (j->pos < j->len && j->s[j->pos] >= '0' && j->s[j->pos] <= '9')
		j->pos++;
	return j->pos > start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool jc_number(struct jc *j)
{
	if (jc_peek(j) == '-')
		j->pos++;
	if (jc_peek(j) == '0')
		j->pos++;
	else if (!jc_digits(j))
		return jc_fail(j, "bad number");
	if (jc_peek(j) == '.') {
		j->pos++;
		if (!jc_digits(j))
			return jc_fail(j, "no digit after a decimal point");
	}
	if (jc_peek(j) == 'e' || jc_peek(j) == 'E') {
		j->pos++;
		if (jc_peek(j) == '+' || jc_peek(j) == '-')
			j->pos++;
		if (!jc_digits(j))
			return jc_fail(j, "no digit in an exponent");
	}
	return true;
}

static bool jc_word(struct jc *j, const char *w)
{
	size_t n = strlen(w);

	if (j->len - j->pos < n || memcmp(j->s + j->pos, w, n))
		return jc_fail(j, "bad literal");
	j->pos += n;
	return true;
}

static bool jc_value(struct jc *j);

/* An object (j->pos at its '{'): each key once. */
static bool jc_object(struct jc *j)
{
	struct jc_str *keys = NULL;
	size_t nkeys = 0;
	bool ok = false;

	j->pos++;
	jc_ws(j);
	if (jc_peek(j) == '}') {
		j->pos++;
		return true;
	}
	for (;;) {
		struct jc_str key = { 0 };
		struct jc_str *grown;
		size_t at;

		jc_ws(j);
		if (jc_peek(j) != '"') {
			jc_fail(j, "no key string in an object");
			break;
		}
		at = j->pos;
		if (!jc_string(j, &key)) {
			free(key.b);
			break;
		}
		for (size_t i = 0; i < nkeys && !j->failed; i++)
			if (keys[i].n == key.n && (!key.n || !memcmp(keys[i].b, key.b, key.n))) {
				j->pos = at;
				jc_fail(j, "a key twice in an object");
			}
		grown = j->failed ? NULL : realloc(keys, (nkeys + 1) * sizeof(*keys));
		if (!grown) {
			free(key.b);
			jc_fail(j, "out of memory");	/* or the key twice, said above */
			break;
		}
		keys = grown;
		keys[nkeys++] = key;
		jc_ws(j);
		if (jc_peek(j) != ':') {
			jc_fail(j, "no ':' after a key");
			break;
		}
		j->pos++;
		if (!jc_value(j))
			break;
		jc_ws(j);
		if (jc_peek(j) == ',') {
			j->pos++;
			continue;
		}
		if (jc_peek(j) == '}') {
			j->pos++;
			ok = true;
		} else {
			jc_fail(j, "no ',' or '}' after a member");
		}
		break;
	}
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i].b);
	free(keys);
	return ok;
}

static bool jc_array(struct jc *j)
{
	j->pos++;
	jc_ws(j);
	if (jc_peek(j) == ']') {
		j->pos++;
		return true;
	}
	for (;;) {
		if (!jc_value(j))
			return false;
		jc_ws(j);
		if (jc_peek(j) == ',') {
			j->pos++;
			continue;
		}
		if (jc_peek(j) == ']') {
			j->pos++;
			return true;
		}
		return jc_fail(j, "no ',' or ']' after an element");
	}
}

static bool jc_value(struct jc *j)
{
	bool ok;

	jc_ws(j);
	switch (jc_peek(j)) {
	case '{':
	case '[':
		if (++j->depth > JC_MAX_DEPTH)
			return jc_fail(j, "nested too deep");
		ok = jc_peek(j) == '{' ? jc_object(j) : jc_array(j);
		j->depth--;
		return ok;
	case '"':
		return jc_string(j, NULL);
	case 't':
		return jc_word(j, "true");
	case 'f':
		return jc_word(j, "false");
	case 'n':
		return jc_word(j, "null");
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return jc_number(j);
	case -1:
		return jc_fail(j, "no value");
	default:
		return jc_fail(j, "not a value");
	}
}

bool t_json_check(const char *text, size_t len, char *why, size_t why_len)
{
	struct jc j = { .s = (const unsigned char *)text, .len = len, .why = why,
			.why_len = why_len };

	if (why && why_len)
		why[0] = '\0';
	if (!jc_value(&j))
		return false;
	jc_ws(&j);
	if (j.pos != j.len)
		return jc_fail(&j, "text after the value");
	return true;
}

int t_json_check_lines(const char *text, char *why, size_t why_len)
{
	int lines = 0;

	if (why && why_len)
		why[0] = '\0';
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		char w[128];

		lines++;
		if (!n || text[0] != '{') {
			if (why && why_len)
				snprintf(why, why_len, "line %d: not a JSON object: '%.*s'", lines,
					 (int)(n < 80 ? n : 80), text);
			return -1;
		}
		if (!t_json_check(text, n, w, sizeof(w))) {
			if (why && why_len)
				snprintf(why, why_len, "line %d: %s: '%.*s'", lines, w,
					 (int)(n < 200 ? n : 200), text);
			return -1;
		}
		if (!nl)
			break;
		text = nl + 1;
	}
	return lines;
}
