/* SPDX-License-Identifier: ISC */
/* test_vis.c: tests for common/vis.c, the filter for bytes from the other
 * side. */
#include <criterion/criterion.h>
#include <string.h>

#include "vis.h"

static const char *
V(const char *s, size_t n)
{
	static char	out[VIS_LEN(256)];

	cr_assert_leq(n, 256);
	vis_bytes(out, sizeof(out), (const uint8_t *)s, n, 0);
	return out;
}

Test(vis, printable_text_passes_unchanged)
{
	const char	*s = "exited with code 0: a/b c\tz ~!";

	cr_assert_str_eq(V(s, strlen(s)), s);
}

Test(vis, controls_become_escapes)
{
	cr_assert_str_eq(V("\033[2J\033]0;x\007", 10),
	    "\\033[2J\\033]0;x\\007");
	cr_assert_str_eq(V("a\nb\rc", 5), "a\\nb\\rc");
	cr_assert_str_eq(V("\0" "1", 2), "\\0001");
	cr_assert_str_eq(V("\x7f", 1), "\\177");
	cr_assert_str_eq(V("\\033", 4), "\\\\033");
}

/* The C1 range is escaped as bytes, also inside UTF-8; 0xa0 and up
 * pass, so UTF-8 whose bytes avoid 0x80-0x9f passes whole. */
Test(vis, c1_bytes_escaped_latin1_and_utf8_pass)
{
	cr_assert_str_eq(V("\x9b" "2J", 3), "\\2332J");
	cr_assert_str_eq(V("\x80\x9f\xa0\xff", 4), "\\200\\237\xa0\xff");
	cr_assert_str_eq(V("caf\xc3\xa9", 5), "caf\xc3\xa9");
	cr_assert_str_eq(V("\xc4\x9b", 2), "\xc4\\233");	/* U+011B */
}

Test(vis, every_byte_renders_without_a_control_or_newline)
{
	uint8_t	all[256];
	char	out[VIS_LEN(256)];
	size_t	i, n;

	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	n = vis_bytes(out, sizeof(out), all, 256, 0);
	cr_assert_eq(n, strlen(out));
	for (i = 0; i < n; i++)
		cr_assert_not(vis_is_ctl((uint8_t)out[i]), "byte %zu: %02x",
		    i, (unsigned)(uint8_t)out[i]);
	cr_assert_lt(n, sizeof(out));
}

/* The escapes decode back to the very bytes: nothing is ambiguous. */
Test(vis, renderings_decode_back)
{
	uint8_t	all[256], back[256];
	char	out[VIS_LEN(256)], *p;
	size_t	i, k = 0;

	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)(255 - i);
	vis_bytes(out, sizeof(out), all, 256, 0);
	for (p = out; *p != '\0'; p++) {
		cr_assert_lt(k, sizeof(back));
		if (*p != '\\') {
			back[k++] = (uint8_t)*p;
			continue;
		}
		p++;
		if (*p == '\\' || *p == 'n' || *p == 'r')
			back[k++] = *p == 'n' ? '\n' : *p == 'r' ? '\r' : '\\';
		else {
			back[k++] = (uint8_t)((p[0] - '0') * 64 +
			    (p[1] - '0') * 8 + (p[2] - '0'));
			p += 2;
		}
	}
	cr_assert_eq(k, 256);
	cr_assert_arr_eq(back, all, 256);
}

Test(vis, an_escape_is_never_cut)
{
	char	out[8];

	memset(out, 'x', sizeof(out));
	/* 7 bytes of room: "ab" and one "\033", not a part of the next. */
	cr_assert_eq(vis_bytes(out, sizeof(out), (const uint8_t *)"ab\033\033",
	    4, 0), 6);
	cr_assert_str_eq(out, "ab\\033");
	cr_assert_eq(vis_bytes(out, 5, (const uint8_t *)"a\033", 2, 0), 1);
	cr_assert_str_eq(out, "a");
	cr_assert_eq(vis_bytes(out, 1, (const uint8_t *)"a", 1, 0), 0);
	cr_assert_str_eq(out, "");
	out[0] = 'x';
	cr_assert_eq(vis_bytes(out, 0, (const uint8_t *)"a", 1, 0), 0);
	cr_assert_eq(out[0], 'x');
}

/* log.c's guard: a rendering, passed again, is left as it is. */
Test(vis, noslash_leaves_a_rendering_unchanged)
{
	char	once[64], twice[64];

	vis_bytes(once, sizeof(once), (const uint8_t *)"a\\b\n\x9b", 5, 0);
	vis_bytes(twice, sizeof(twice), (const uint8_t *)once, strlen(once),
	    VIS_NOSLASH);
	cr_assert_str_eq(twice, once);
	cr_assert_str_eq(twice, "a\\\\b\\n\\233");
	vis_bytes(twice, sizeof(twice), (const uint8_t *)"C:\\x\n", 5,
	    VIS_NOSLASH);
	cr_assert_str_eq(twice, "C:\\x\\n");
}

Test(vis, vis_str_renders_a_c_string)
{
	char	buf[16];

	cr_assert_eq(vis_str(buf, sizeof(buf), "run\nme"), buf);
	cr_assert_str_eq(buf, "run\\nme");
}

static const char *
J(const char *s, size_t n)
{
	static char	out[VIS_JSON_LEN(256)];
	size_t		k;

	cr_assert_leq(n, 256);
	k = vis_json(out, sizeof(out), (const uint8_t *)s, n);
	cr_assert_eq(k, strlen(out));
	return out;
}

Test(vis, json_quotes_and_escapes)
{
	cr_assert_str_eq(J("", 0), "\"\"");
	cr_assert_str_eq(J("/bin/sh -c 'exit 3'", 19), "\"/bin/sh -c 'exit 3'\"");
	cr_assert_str_eq(J("a\"b\\c/d", 7), "\"a\\\"b\\\\c/d\"");
	cr_assert_str_eq(J("\n\r\t\b\f", 5), "\"\\n\\r\\t\\b\\f\"");
	cr_assert_str_eq(J("\033]0;x\007\177", 7),
	    "\"\\u001b]0;x\\u0007\\u007f\"");
	cr_assert_str_eq(J("a\0b", 3), "\"a\\u0000b\"");
}

Test(vis, json_utf8_passes_c1_and_bad_bytes_escaped)
{
	/* é and 😀 in UTF-8 pass; U+0085 (NEL, C1) in UTF-8 is escaped. */
	cr_assert_str_eq(J("caf\xc3\xa9 \xf0\x9f\x98\x80", 10),
	    "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
	cr_assert_str_eq(J("\xc2\x85", 2), "\"\\u0085\"");
	/* Not UTF-8: Latin-1 é, a lone 0x9b (CSI), a cut sequence, an
	 * overlong '/', a surrogate: each byte as \u00XX. */
	cr_assert_str_eq(J("\xe9", 1), "\"\\u00e9\"");
	cr_assert_str_eq(J("\x9b", 1), "\"\\u009b\"");
	cr_assert_str_eq(J("\xe2\x82", 2), "\"\\u00e2\\u0082\"");
	cr_assert_str_eq(J("\xc0\xaf", 2), "\"\\u00c0\\u00af\"");
	cr_assert_str_eq(J("\xed\xa0\x80", 3), "\"\\u00ed\\u00a0\\u0080\"");
}

/* Every byte value, alone: no raw control byte, nothing outside ASCII
 * printables but what the input had as well-formed UTF-8, and quoted. */
Test(vis, json_every_byte_is_safe)
{
	char	b;
	int	c;
	size_t	i;

	for (c = 0; c < 256; c++) {
		const char *o;

		b = (char)c;
		o = J(&b, 1);
		cr_assert(o[0] == '"' && o[strlen(o) - 1] == '"');
		for (i = 0; o[i] != '\0'; i++)
			cr_assert((uint8_t)o[i] >= 0x20 && (uint8_t)o[i] < 0x7f,
			    "byte 0x%02x gives raw 0x%02x", c, (uint8_t)o[i]);
	}
}

Test(vis, json_cut_whole_and_closed)
{
	char	out[12];
	size_t	k;

	/* "\"ab\\u0001c" would not fit: the escape is left out whole. */
	k = vis_json(out, sizeof(out), (const uint8_t *)"abcd\001e", 6);
	cr_assert_str_eq(out, "\"abcd\"");
	cr_assert_eq(k, 6);
	k = vis_json(out, 3, (const uint8_t *)"abc", 3);
	cr_assert_str_eq(out, "\"\"");
	cr_assert_eq(k, 2);
	cr_assert_eq(vis_json(out, 2, (const uint8_t *)"a", 1), 0);
	cr_assert_str_eq(out, "");
}
