/*
** tests/unit/sql/test_lexer.c: the SQL lexer (sql/lexer.c): keyword table,
** token kinds, comments, string escapes, numbers vs identifiers, lexical
** errors.
*/
#include "sql/parser_int.h"
#include "sqltest.h"

TEST(sql_kw_table_sorted_and_found) {
  for (int k = 1; k < KW__COUNT; k++) {
    const char *name = sql_kw_name((sql_kw)k);
    ASSERT_EQ_INT(sql_kw_lookup(name, strlen(name)), k);
    if (k > 1) {
      const char *prev = sql_kw_name((sql_kw)(k - 1));
      if (strcmp(prev, name) >= 0) test_fail_(__FILE__, __LINE__, "keywords.def not sorted: %s before %s", prev, name);
    }
  }
  ASSERT_EQ_INT(sql_kw_lookup("select", 6), KW_SELECT);
  ASSERT_EQ_INT(sql_kw_lookup("SeLeCt", 6), KW_SELECT);
  ASSERT_EQ_INT(sql_kw_lookup("selectx", 7), KW__NOT);
  ASSERT_EQ_INT(sql_kw_lookup("current_date", 12), KW_CURRENT_DATE);
  ASSERT_EQ_INT(sql_kw_lookup("copy_options", 12), KW_COPY_OPTIONS);
  ASSERT_EQ_INT(sql_kw_lookup("date", 4), KW__NOT); /* DATE is a type name, not a keyword */
  ASSERT_EQ_INT(sql_kw_class(KW_SELECT), KW_RES);
  ASSERT_EQ_INT(sql_kw_class(KW_LIMIT), KW_NOALIAS);
  ASSERT_EQ_INT(sql_kw_class(KW_COMMENT), KW_NOALIAS);
  ASSERT_EQ_INT(sql_kw_class(KW_TYPE), KW_FREE);
  ASSERT_EQ_INT(sql_kw_class(KW_TIME), KW_FREE);
}

TEST(sql_lex_token_kinds) {
  arena *ar = arena_new("t", 1024);
  sql_token *t;
  uint32_t n;
  lago_err e;
  lago_err_clear(&e);
  const char *text = "a.b `q``x` 'it\\'s' 12L 1.5 <=> <> != -> => :: || >>> >> << >= <= ? @ :";
  ASSERT_OK(sql_lex(ar, text, (uint32_t)strlen(text), &t, &n, &e), &e);
  int kinds[] = {TK_WORD, TK_OP, TK_WORD, TK_QIDENT, TK_STRING, TK_NUMBER, TK_NUMBER, TK_OP, TK_OP, TK_OP, TK_OP, TK_OP,
                 TK_OP, TK_OP, TK_OP, TK_OP, TK_OP, TK_OP, TK_OP, TK_OP, TK_OP, TK_OP, TK_EOF};
  int ops[] = {0, P_DOT, 0, 0, 0, 0, 0, P_NSEQ, P_LTGT, P_NEQ, P_ARROW, P_FATARROW, P_DCOLON, P_CONCAT, P_SHRU, P_SHR,
               P_SHL, P_GE, P_LE, P_QMARK, P_AT, P_COLON, 0};
  ASSERT_EQ_INT(n, sizeof kinds / sizeof kinds[0]);
  for (uint32_t k = 0; k < n; k++) {
    ASSERT_EQ_INT(t[k].kind, kinds[k]);
    if (ops[k]) ASSERT_EQ_INT(t[k].op, ops[k]);
  }
  ASSERT_EQ_STR(t[3].str, "q`x");
  ASSERT_EQ_STR(t[4].str, "it's");
  ASSERT_EQ_INT(t[5].num_suffix, NUM_SUF_L);
  ASSERT_EQ_INT(t[6].num_dot, 1);
  ASSERT_EQ_INT(t[1].pos, 1);
  ASSERT_EQ_INT(t[3].pos, 4);
  ASSERT_EQ_INT(t[3].len, 6);
  arena_free(ar);
}

TEST(sql_lex_parens_matched) {
  arena *ar = arena_new("t", 1024);
  sql_token *t;
  uint32_t n;
  lago_err e;
  lago_err_clear(&e);
  const char *text = "((a) (b)) (";
  ASSERT_OK(sql_lex(ar, text, (uint32_t)strlen(text), &t, &n, &e), &e);
  ASSERT_EQ_INT(t[0].match, 7);
  ASSERT_EQ_INT(t[7].match, 0);
  ASSERT_EQ_INT(t[1].match, 3);
  ASSERT_EQ_INT(t[4].match, 6);
  ASSERT_EQ_INT(t[8].match, -1); /* unbalanced */
  ASSERT_EQ_INT(t[9].kind, TK_EOF);
  arena_free(ar);
}

TEST(sql_lex_comments) {
  ASSERT_EQ_STR(sqlt_print("SELECT /* a /* nested */ still comment */ 1 -- trailing\n + 2 /*+ hint */"), "SELECT 1 + 2");
  ASSERT_EQ_STR(sqlt_print("-- only a comment\nSELECT 1 -- x"), "SELECT 1");
  ASSERT_EQ_STR(sqlt_print("SELECT 1--2"), "SELECT 1");
  ASSERT_EQ_STR(sqlt_print("SELECT 1 - -2"), "SELECT 1 - -2");
  int pos;
  ASSERT_CONTAINS(sqlt_error("SELECT 1 /* a /* b */", &pos), "line 1, column 10: unterminated /* comment");
  ASSERT_EQ_INT(pos, 9);
}

/* The decoded bytes of a one-string SELECT. */
static void check_string(const char *sql, const char *want, uint32_t want_len) {
  arena *ar = arena_new("t", 1024);
  sql_stmt *s = sqlt_parse(ar, sql);
  const sql_expr *e = s->query->select.items[0].expr;
  ASSERT_EQ_INT(e->kind, SQL_E_LITERAL);
  ASSERT_EQ_INT(e->lit.kind, SQL_LIT_STRING);
  ASSERT_EQ_UINT(e->lit.str_len, want_len);
  ASSERT_EQ_MEM(e->lit.str, want, want_len);
  arena_free(ar);
}

TEST(sql_lex_string_escapes) {
  check_string("SELECT 'a\\nb\\tc\\rd\\be'", "a\nb\tc\rd\be", 9);
  check_string("SELECT 'q\\'q\\\"q\\\\q'", "q'q\"q\\q", 7);
  check_string("SELECT \"dq 'inside'\"", "dq 'inside'", 11);
  check_string("SELECT '\\u0041\\u00e9\\u20AC'", "A\xc3\xa9\xe2\x82\xac", 6);
  check_string("SELECT '\\U0001F600'", "\xf0\x9f\x98\x80", 4);
  check_string("SELECT '\\ud83d\\ude00'", "\xf0\x9f\x98\x80", 4);
  check_string("SELECT '\\101\\0x'", "A\0x", 3);
  check_string("SELECT '\\Z'", "\x1a", 1);
  check_string("SELECT '50\\% a\\_b'", "50\\% a\\_b", 9); /* LIKE escapes keep the backslash */
  check_string("SELECT '\\q\\uZZ'", "quZZ", 4);         /* unknown escape: the character */
  check_string("SELECT r'C:\\new\\table'", "C:\\new\\table", 12);
  check_string("SELECT R\"a\\'b\"", "a\\'b", 4);
  check_string("SELECT 'a' \"b\" r'\\c'", "ab\\c", 4);
  check_string("SELECT 'it''s'", "its", 3); /* Spark: two adjacent literals */
  check_string("SELECT ''", "", 0);
  int pos;
  ASSERT_CONTAINS(sqlt_error("SELECT '\\ud800'", &pos), "lone surrogate");
  ASSERT_CONTAINS(sqlt_error("SELECT 'abc", &pos), "line 1, column 8: unterminated string literal");
  ASSERT_EQ_INT(pos, 7);
}

TEST(sql_lex_numbers_and_words) {
  ASSERT_EQ_STR(sqlt_expr("1a"), "(col `1a`)"); /* Spark: an identifier */
  ASSERT_EQ_STR(sqlt_expr("1_000"), "(col `1_000`)");
  ASSERT_EQ_STR(sqlt_expr("1e"), "(col `1e`)");
  ASSERT_EQ_STR(sqlt_expr("1.x"), "(field (lit INT 1) x)");
  ASSERT_CONTAINS(sqlt_expr("t.5"), "ERR LAGO_PARSE: syntax error at line 1, column 9 near '.'"); /* not a number */
  ASSERT_EQ_STR(sqlt_expr(".5"), "(lit DECIMAL(1,1) .5)");
  ASSERT_EQ_STR(sqlt_expr("1.e3"), "(lit DOUBLE 1.e3)");
  int pos;
  ASSERT_CONTAINS(sqlt_error("SELECT 1.5abc", &pos), "column 8: invalid numeric literal");
  ASSERT_CONTAINS(sqlt_error("SELECT 1.5L", &pos), "the L, S and Y suffixes need an integer");
  ASSERT_CONTAINS(sqlt_error("SELECT 1e5x", &pos), "invalid numeric literal");
}

TEST(sql_lex_bad_characters) {
  int pos;
  ASSERT_EQ_STR(sqlt_error("SELECT a FROM t\nWHERE x = $1", &pos),
                "ERR LAGO_PARSE: syntax error at line 2, column 11: unexpected character '$'");
  ASSERT_EQ_INT(pos, 26);
  ASSERT_CONTAINS(sqlt_error("SELECT \x01", &pos), "unexpected byte 0x01");
  ASSERT_CONTAINS(sqlt_error("SELECT ``", &pos), "empty `quoted identifier`");
  ASSERT_CONTAINS(sqlt_error("SELECT `abc", &pos), "unterminated `quoted identifier`");
  /* UTF-8 names are words; columns count characters */
  ASSERT_EQ_STR(sqlt_print("SELECT straße FROM t"), "SELECT `straße` FROM t");
  ASSERT_CONTAINS(sqlt_error("SELECT 'é', $", &pos), "line 1, column 13");
}

TEST(sql_line_col_counts_characters) {
  int l, c;
  const char *t = "ab\ncé\nx";
  sql_line_col(t, 0, &l, &c);
  ASSERT_EQ_INT(l, 1);
  ASSERT_EQ_INT(c, 1);
  sql_line_col(t, 3, &l, &c);
  ASSERT_EQ_INT(l, 2);
  ASSERT_EQ_INT(c, 1);
  sql_line_col(t, 6, &l, &c); /* after "cé" (3 bytes) */
  ASSERT_EQ_INT(l, 2);
  ASSERT_EQ_INT(c, 3);
  sql_line_col(t, 7, &l, &c);
  ASSERT_EQ_INT(l, 3);
  ASSERT_EQ_INT(c, 1);
}
