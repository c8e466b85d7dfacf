// Reads the api's source files (its one dependency: the file system), hence an int-spec.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HOUSEHOLD_STATUSES, MILESTONE_KINDS } from '@yuantrace/domain';
import { ERROR_TEXT, explain, fieldName, knownSentence } from '../../apps/web/src/lib/error-text';

/**
 * The console's error catalogue against the api's own source: every code the api can answer has a
 * Chinese sentence, and every request field a Chinese name. The codes are read from the source, not
 * listed here, so adding a refusal without its sentence fails this test, naming the code.
 */
const ROOT = join(__dirname, '..', '..');
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'node_modules' ? [] : walk(join(dir, e.name))) : [join(dir, e.name)]));
/** The api's source: apps and libs, without tests and without the console itself. */
const SOURCES = [...walk(join(ROOT, 'libs')), ...walk(join(ROOT, 'apps'))]
  .filter((f) => f.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(f) && !relative(ROOT, f).startsWith(join('apps', 'web')))
  .map((f) => ({ file: relative(ROOT, f), text: readFileSync(f, 'utf8') }));

/** The arguments of a call whose "(" ends just before `at`, split at top-level commas (quotes, templates and brackets respected). */
function callArguments(text: string, at: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  let quote: string | null = null;
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      current += c;
      if (c === '\\') current += text[++i];
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      quote = c;
      current += c;
    } else if ('([{'.includes(c)) {
      depth++;
      current += c;
    } else if (')]}'.includes(c)) {
      if (depth === 0) return [...args, current.trim()];
      depth--;
      current += c;
    } else if (c === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
    } else current += c;
  }
  return args;
}

const literals = (expr: string) => [...expr.matchAll(/(['"])([^'"]*)\1/g)].map((m) => m[2]);
const templates = (expr: string) => [...expr.matchAll(/`([^`]*)`/g)].map((m) => m[1]).filter((t) => t.includes('${'));
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Every `x(` in the source for the given callee pattern, with its arguments. */
function calls(callee: RegExp) {
  const out: { file: string; callee: string; args: string[] }[] = [];
  for (const s of SOURCES) {
    for (const m of s.text.matchAll(new RegExp(callee.source, 'g'))) out.push({ file: s.file, callee: m[0], args: callArguments(s.text, m.index! + m[0].length) });
  }
  return out;
}

/**
 * The rejection constructors: the domain's four, the case's `forbidden`, `new Rejection`, and
 * `(a ? notFound : ruleBroken)(…)`; SQL's `on conflict (…)` is not one.
 */
const REJECTIONS = /(?:\b(?<!on\s+)(?:invalid|notFound|conflict|ruleBroken|forbidden)\s*\(|\bnew Rejection\s*\(|\b(?:invalid|notFound|conflict|ruleBroken|forbidden)\)\s*\()/;

/** The codes assembled from parts, each with every value its parts can take (read from the domain and the source). */
function expansions(): Record<string, string[]> {
  const whats = [
    ...calls(/\bmissing\(/).map((c) => literals(c.args[0] ?? '')[0]),
    ...calls(/\bplaceInScope\(/).map((c) => literals(c.args[2] ?? '')[0]),
  ].filter((w): w is string => !!w);
  const oneOfs = calls(/\.oneOf\(/).map((c) => literals(c.args[0] ?? '')[0]).filter((w): w is string => !!w);
  const kinds = [...MILESTONE_KINDS];
  const statuses = ['registered', ...HOUSEHOLD_STATUSES];
  return {
    "${what.replace(/ /g, '_')}_not_found": whats.map((w) => `${w.replace(/ /g, '_')}_not_found`),
    // The doubled backtick template of ListQuery.oneOf, as the tokenizer reads its first argument.
    'invalid_${name.replace(/[A-Z]/g, (c) => ': oneOfs.map((n) => `invalid_${snake(n)}`),
    '${m.kind}_before_${needed}': kinds.flatMap((a) => kinds.map((b) => `${a}_before_${b}`)),
    '${m.kind}_after_${later}': kinds.flatMap((a) => kinds.map((b) => `${a}_after_${b}`)),
    '${ch.status}_from_${state.status}': statuses.flatMap((a) => statuses.map((b) => `${a}_from_${b}`)),
    // The HTTP filter's other statuses: each falls back on its status's sentence.
    'http_${status}': [],
  };
}

/** Every code the api can answer, each with where it comes from. */
function codesInSource(): { codes: Map<string, string>; unknownTemplates: string[]; dynamic: string[] } {
  const codes = new Map<string, string>();
  const unknownTemplates: string[] = [];
  const dynamic: string[] = [];
  const table = expansions();
  const addTemplate = (t: string, file: string) => {
    const key = Object.keys(table).find((k) => t.startsWith(k));
    if (key === undefined) unknownTemplates.push(`${file}: \`${t}\``);
    else for (const c of table[key]) codes.set(c, file);
  };
  for (const c of calls(REJECTIONS)) {
    const first = c.args[0] ?? '';
    const lits = literals(first.replace(/`[^`]*`/g, ''));
    const temps = templates(first);
    for (const l of lits) codes.set(l, c.file);
    for (const t of temps) addTemplate(t, c.file);
    // `code` is the constructors' own parameter (rejection.ts, case.ts's forbidden); anything else computed is unchecked.
    if (lits.length === 0 && temps.length === 0 && first !== 'code' && !/^`[a-z_]+`$/.test(first)) dynamic.push(`${c.file}: ${first}`);
    if (/^`[a-z_]+`$/.test(first)) codes.set(first.slice(1, -1), c.file);
  }
  // The HTTP filter answers codes of its own for what is not a Rejection.
  const filter = SOURCES.find((s) => s.file === join('apps', 'api', 'src', 'http', 'error-response.ts'))!;
  for (const m of filter.text.matchAll(/'([a-z]+(?:_[a-z]+)+)'/g)) codes.set(m[1], filter.file);
  for (const m of filter.text.matchAll(/`([a-z_]*\$\{[^`]*)`/g)) addTemplate(m[1], filter.file);
  return { codes, unknownTemplates, dynamic };
}

const CJK = /[\u4e00-\u9fff]/;

describe('the console error catalogue (apps/web/src/lib/error-text.ts) against the api source', () => {
  const found = codesInSource();

  test('the source scan finds the codes it must (it is not reading nothing)', () => {
    for (const c of ['insufficient_balance', 'approver_is_requester', 'route_not_found', 'internal_error', 'too_deep', 'token_expired', 'role_not_allowed',
      'not_found_as_of', 'fund_batch_not_found', 'invalid_payee_type', 'accepted_before_completed', 'relapsed_from_registered', 'cross_inspection_own_county']) {
      expect([c, found.codes.has(c)]).toEqual([c, true]);
    }
    expect(found.codes.size).toBeGreaterThan(150);
  });

  test('every code the api can answer has a Chinese sentence', () => {
    const missing = [...found.codes].filter(([code]) => !CJK.test(knownSentence(code) ?? '')).map(([code, file]) => `${code} (${file})`);
    expect(missing).toEqual([]);
  });

  test('every code assembled from parts is one the catalogue knows how to expand, and no code is computed out of sight', () => {
    expect(found.unknownTemplates).toEqual([]);
    expect(found.dynamic).toEqual([]);
  });

  test('no sentence waits for a code the api cannot answer (the browser\'s own network and client codes aside)', () => {
    const stale = Object.keys(ERROR_TEXT).filter((c) => !found.codes.has(c) && !['network', 'client'].includes(c));
    expect(stale).toEqual([]);
  });

  test('every request field the api can name has a Chinese name', () => {
    const fields = new Set<string>();
    // Fields named by the rejections themselves (a literal, or a template with its positions filled in).
    for (const c of calls(REJECTIONS)) {
      // new Rejection(code, message, kind, field); the others (code, message, field).
      const arg = c.args[/Rejection/.test(c.callee) ? 3 : 2];
      if (!arg) continue;
      for (const l of literals(arg.replace(/`[^`]*`/g, ''))) fields.add(l);
      for (const t of templates(arg)) if (!t.startsWith('${')) fields.add(t.replace(/\$\{[^}]*\}/g, '0'));
    }
    // DTO properties: a declaration right under its decorators.
    for (const s of SOURCES.filter((x) => /dto/i.test(x.file) && x.file.startsWith('apps'))) {
      const lines = s.text.split('\n');
      lines.forEach((line, i) => {
        const m = /^\s+([a-zA-Z]+)[?!]?:\s.*;\s*$/.exec(line);
        if (m && /^\s*@/.test(lines[i - 1] ?? '')) fields.add(m[1]);
      });
    }
    // Query and path parameters.
    for (const s of SOURCES.filter((x) => x.file.startsWith(join('apps', 'api')))) {
      for (const m of s.text.matchAll(/@(?:Query|Param)\(\s*'([a-zA-Z]+)'|\bq\.(?:text|id|oneOf|date|instant|list|fen|year|flag)\(\s*'([a-zA-Z]+)'/g)) fields.add(m[1] ?? m[2]);
      for (const m of s.text.matchAll(/(?:\b(?:COMMON|FILTERS|[A-Z_]+_QUERY)\s*=\s*|new ListQuery\(\s*query,\s*)\[([^\]]*)\]/g)) for (const l of literals(m[1])) fields.add(l);
    }
    const unnamed = [...fields].filter((f) => !CJK.test(fieldName(f)) || /[A-Za-z]/.test(fieldName(f)));
    expect(unnamed).toEqual([]);
    expect(fields.size).toBeGreaterThan(100);
  });

  test('explain: the sentence, then the field by its Chinese name; patterns and statuses read in Chinese', () => {
    expect(explain({ status: 422, code: 'insufficient_balance', field: 'amount' })).toBe('可用余额不足，不能支付这笔款项：字段「金额」');
    expect(explain({ status: 400, code: 'invalid_field', field: 'payee.account' })).toBe('此项填写不正确：字段「收款账号」');
    expect(explain({ status: 400, code: 'invalid_check_digit', field: 'members[2].idNumber' })).toBe('身份证号的校验码不正确，请核对：字段「家庭成员第3项的身份证号」');
    expect(explain({ status: 400, code: 'invalid_field', field: 'members.0.relation' })).toBe('此项填写不正确：字段「家庭成员第1项的与户主关系」');
    expect(explain({ status: 422, code: 'accepted_before_completed', field: 'kind' })).toBe('项目尚未竣工，不能登记「验收」：字段「类别」');
    expect(explain({ status: 422, code: 'started_after_started' })).toBe('项目已开工，不能再登记「开工」');
    expect(explain({ status: 422, code: 'relapsed_from_registered' })).toBe('该户当前为「在册」，不能变更为「返贫」');
    expect(explain({ status: 405, code: 'http_405' })).toMatch(/^请求未被接受（http_405）$/);
    expect(explain({ status: 403, code: 'http_403' })).toBe('无权访问');
    // A code the catalogue has never seen still reads in Chinese, with the code for the help desk.
    expect(explain({ status: 422, code: 'brand_new_rule' })).toBe('不符合业务规则，未予办理（brand_new_rule）');
  });
});
