/* The native side of the P/Invoke conformance program (Conformance.cs). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

typedef struct { int32_t x, y; } point;
typedef struct { double w; int64_t id; char tag[8]; } record;

int32_t conf_add(int32_t a, int32_t b) { return a + b; }
int64_t conf_mul64(int64_t a, int64_t b) { return a * b; }
double conf_hypot2(double a, double b) { return a * a + b * b; }
int32_t conf_point_sum(point p) { return p.x + p.y; }
void conf_point_scale(point *p, int32_t k) { p->x *= k; p->y *= k; }
point conf_point_make(int32_t x, int32_t y) { point p = { x, y }; return p; }
double conf_record_weight(record r) { return r.w * (double)r.id + (double)strlen(r.tag); }
int32_t conf_array_sum(const int32_t *a, int32_t n) { int32_t s = 0; for (int32_t i = 0; i < n; i++) s += a[i]; return s; }
void conf_array_fill(int32_t *a, int32_t n) { for (int32_t i = 0; i < n; i++) a[i] = i * i; }
/* Bytes of a UTF-8 (or ANSI: UTF-8 off Windows) string. */
int32_t conf_utf8_bytes(const char *s) { return s ? (int32_t)strlen(s) : -1; }
/* UTF-16 code units of a UTF-16 string. */
int32_t conf_utf16_units(const uint16_t *s) { int32_t n = 0; while (s && s[n]) n++; return n; }
/* Writes "native-N" into a caller's buffer (StringBuilder). */
void conf_fill_buffer(char *buf, int32_t cap, int32_t n) {
    if (cap > 0) { buf[0] = 0; strncat(buf, "native-", cap - 1); size_t l = strlen(buf); if (l + 2 < (size_t)cap) { buf[l] = (char)('0' + n % 10); buf[l + 1] = 0; } }
}
const char *conf_static_string(void) { return "from native"; }
int32_t conf_fail_with(int32_t code) { errno = code; return -1; }
typedef int32_t (*conf_op)(int32_t, int32_t);
int32_t conf_apply(conf_op op, int32_t a, int32_t b) { return op(a, b); }
int32_t conf_apply_n(conf_op op, int32_t n) { int32_t acc = 0; for (int32_t i = 1; i <= n; i++) acc = op(acc, i); return acc; }
/* A handle: the pointer's value, read back. */
intptr_t conf_handle_value(void *h) { return (intptr_t)h; }
int32_t conf_close_count = 0;
int32_t conf_close(void *h) { (void)h; return ++conf_close_count; }
int32_t conf_closed(void) { return conf_close_count; }
/* Entry points told apart only by CharSet: off Windows one name. */
int32_t conf_charset(const char *s) { return s ? (int32_t)strlen(s) : -1; }
