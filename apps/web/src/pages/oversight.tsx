import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, untilSeen, useApi, type Basis } from '../lib/api';
import { BasisBar, basisQuery } from '../components/basis-bar';
import { ExportButtons } from '../components/export-buttons';
import { ErrorBox, Facts, Loading, Money, Section, Table, useSubmit } from '../components/ui';
import {
  ACCOUNTABILITY_MEASURE_NAMES, CASE_SOURCE_NAMES, CASE_STATUS_NAMES, CHANNEL_NAMES, FINDING_TYPE_NAMES, formatFen, instant, nameOf, PAYEE_TYPE_NAMES,
  RECTIFICATION_KIND_NAMES, SEVERITY_NAMES, yuan,
} from '../lib/format';
import { ROSTER_ROLE_LABELS } from '../../../../libs/domain/src/oversight/roster';
import { currentRoute, go, href, setQuery } from '../lib/router';
import type { Principal } from '../lib/session';

// ---- what the api answers (apps/api/src/alerts, apps/api/src/cases; read-models alert-queries, case-queries) ----

type Subject = { kind: string; id: string };
type Alert = {
  alertId: string; ruleId: string; ruleName: string; ruleVersion: number; variant: string; description: string; severity: string; severityLabel: string;
  subject: Subject; unitCode: string; amount: string | null; figures: Record<string, unknown>; detail: Record<string, unknown>; evidence: string[];
  raisedOn: string; raisedAt: string; status: string; caseId: string | null; closedOn: string | null;
};
type AlertList = { basis: Basis; total: number; bySeverity: Record<string, number>; alerts: Alert[]; next: string | null };
type AlertView = Alert & { basis: Basis };
type RuleVersion = {
  version: number; effectiveFrom: string; documentNo: string | null; note: string | null; recordedAt: string | null;
  rules: Record<string, { enabled: boolean; severity: string; variantSeverity: Record<string, string>; params: Record<string, number | string> }>;
};
type RuleSet = {
  basis: Basis; inForce: number; severities: Record<string, string>; versions: RuleVersion[];
  catalogue: { ruleId: string; name: string; variants: Record<string, string>; params: Record<string, { kind: string; meaning: string }> }[];
};
type CaseRow = {
  caseId: string; title: string; source: string; subjectUnitCode: string; crossInspection: boolean; dueDate: string; openedBy: string; openedOn: string;
  status: string; overdue: boolean;
};
type CaseList = { basis: Basis; cases: CaseRow[]; next: string | null };
type Finding = {
  findingId: string; findingType: string; description: string; amount: string | null; recovered: string; responsiblePersons: string[]; recordedBy: string;
  effectiveDate: string;
};
type Rectification = {
  rectificationId: string; kind: string; findingId: string | null; description: string; recordedBy: string; effectiveDate: string; amount?: string;
  paymentIds?: string[]; returns?: { batchId: string; returnId: string }[]; personName?: string; measure?: string;
};
type CaseView = Omit<CaseRow, 'status'> & {
  basis: Basis; status: string; alertIds: string[]; findings: Finding[]; rectifications: Rectification[]; recovered: string;
  proposal: { proposedBy: string; comment: string; shortfalls: { findingId: string; note: string }[]; effectiveDate: string } | null;
  closure: { confirmedBy: string; comment: string; effectiveDate: string } | null;
  timeline: { step: string; status: string; by: string | null; effectiveDate: string; recordedAt: string }[];
};

// ---- names ----

/** An alert's place in the 线上预警 → 线下核实 → 整改 → 销号 loop. */
const ALERT_STATUS_NAMES: Record<string, string> = { open: '未处置', in_case: '已立案', closed: '已销号' };
const SUBJECT_KIND_NAMES: Record<string, string> = { payment: '支付', project: '项目', household: '农户', batch: '资金批次', account: '银行账户' };
const STEP_NAMES: Record<string, string> = {
  CaseOpened: '立案', CaseFindingRecorded: '核实：记录查实的问题', CaseRectificationRecorded: '整改', CaseClosureProposed: '申请销号',
  CaseClosureRefused: '销号审核：退回', CaseClosed: '销号审核：同意销号',
};
/** The names of an alert's figures (amounts in yuan, counts, days). */
const FIGURE_NAMES: Record<string, string> = {
  limit: '限额', minDays: '公示最少天数', cap: '每户上限', cumulative: '每户累计', standard: '标准金额', received: '收到金额', unspent: '未使用金额',
  declared: '文件合计', lines: '明细之和', households: '涉及户数', total: '合计金额',
};
/** The names of an alert's detail (what the detector matched on). */
const DETAIL_NAMES: Record<string, string> = {
  removedOn: '剔除日期', householdId: '户编号', registeredOn: '识别日期', channel: '支付渠道', payeeType: '收款人类型', link: '关系', role: '身份',
  payeeId: '收款人编号', personId: '名册人员编号', otherPaymentId: '另一笔支付', otherHouseholdId: '另一户', projectId: '项目', longestNoticeDays: '最长公示天数',
  approvedBy: '审核人', requestedBy: '申请人', primary: '义务教育阶段在读人数', secondary: '高中及中职阶段在读人数', days: '期限（天）', percent: '比例（%）',
  receivedOn: '收到日期', parentBatchId: '上级批次', unspent: '未使用金额', received: '收到金额', lines: '明细之和', declared: '文件合计', households: '收款户',
};
const LINK_NAMES: Record<string, string> = { self: '本人', relative: '亲属' };
/** Detail amounts the detectors keep in fen (their figures carry the same in yuan). */
const DETAIL_IN_FEN = ['unspent', 'received', 'lines', 'declared'];
const PARAM_UNITS: Record<string, (v: number | string) => string> = {
  fen: (v) => `${yuan(formatFen(BigInt(v)))} 元`, days: (v) => `${v} 天`, percent: (v) => `${v}%`, count: (v) => `${v}`, date: (v) => `${v}`,
};

const todayInBeijing = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const MAY_READ_CASES = ['inspector', 'auditor'];
const MAY_READ_PROOFS = ['inspector', 'auditor'];
const PAGE = 25;

/** The case the inspector has just opened: its page waits a moment for the read side instead of answering "not found". */
let justOpened: string | null = null;

// ---- small pieces ----

export function SeverityBadge({ severity }: { severity: string }) {
  return <span class={`badge sev-${severity}`} data-severity={severity}>{nameOf(SEVERITY_NAMES, severity)}</span>;
}

function SubjectLink({ s }: { s: Subject }) {
  const to: Record<string, string> = { payment: 'payments', project: 'projects', household: 'households', batch: 'flow' };
  const kind = nameOf(SUBJECT_KIND_NAMES, s.kind);
  // An account is named by its personal-data reference only: there is no page for it.
  if (!to[s.kind]) return <span title={s.id}>{kind}（{s.id.startsWith('pii:') ? '账号已加密' : s.id}）</span>;
  return <span>{kind} <a href={href([to[s.kind], s.id])} data-testid="subject-link">{s.id}</a></span>;
}

/** Where an alert stands, with its case: linked for the roles that may read cases (finance sees the id only). */
function AlertStatus({ a, who }: { a: Pick<Alert, 'status' | 'caseId' | 'closedOn'>; who: Principal }) {
  return (
    <span data-status={a.status} data-testid="alert-status">
      {nameOf(ALERT_STATUS_NAMES, a.status)}
      {a.caseId && <> · {MAY_READ_CASES.includes(who.role) ? <a href={href(['cases', a.caseId])}>{a.caseId}</a> : a.caseId}</>}
      {a.closedOn && <span class="muted">（{a.closedOn}）</span>}
    </span>
  );
}


function Field({ label, children, wide }: { label: string; children: ComponentChildren; wide?: boolean }) {
  return <label class={wide ? 'wide' : undefined}>{label}{children}</label>;
}
const val = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement).value;


/** The nearest unit holding every code given: the village, township, county, city or province they share. */
export function commonUnit(codes: string[]): string {
  if (codes.length === 0) return '';
  for (const len of [12, 9, 6, 4, 2]) {
    const p = codes[0].slice(0, len);
    if (codes.every((c) => c.slice(0, len) === p)) return p.padEnd(12, '0');
  }
  return '';
}

// ---- the rule set ----

function paramText(kind: string, v: number | string | undefined): string {
  if (v === undefined) return '—';
  return (PARAM_UNITS[kind] ?? String)(v);
}

/** The red-flag rules in force under the basis, with their severities and thresholds. */
function RuleSetList({ set }: { set: RuleSet }) {
  const v = set.versions.find((x) => x.version === set.inForce);
  return (
    <details class="card" data-testid="rule-set">
      <summary>
        预警规则集：第 {set.inForce} 版{v ? `，自 ${v.effectiveFrom} 起生效` : ''}{v?.documentNo ? `（${v.documentNo}）` : ''}，共 {set.catalogue.length} 条规则
      </summary>
      {v?.note && <p class="muted">{v.note}</p>}
      <Table rows={set.catalogue} rowKey={(r) => r.ruleId} columns={[
        { label: '规则', cell: (r) => <span><strong>{r.ruleId}</strong> {r.name}</span> },
        { label: '等级', cell: (r) => {
          const rule = v?.rules[r.ruleId];
          if (!rule) return '—';
          return (
            <div>
              <SeverityBadge severity={rule.severity} />
              {Object.entries(rule.variantSeverity).map(([variant, sev]) => <div class="muted">{r.variants[variant] ?? variant}：<SeverityBadge severity={sev} /></div>)}
            </div>
          );
        } },
        { label: '启用', cell: (r) => (v?.rules[r.ruleId]?.enabled === false ? '停用' : '启用') },
        { label: '情形', cell: (r) => <ul style="margin:0;padding-left:18px">{Object.values(r.variants).map((t) => <li>{t}</li>)}</ul> },
        { label: '参数', cell: (r) => {
          const entries = Object.entries(r.params);
          if (entries.length === 0) return <span class="muted">无</span>;
          return <ul style="margin:0;padding-left:18px">{entries.map(([k, p]) => <li>{p.meaning}：<strong>{paramText(p.kind, v?.rules[r.ruleId]?.params[k])}</strong></li>)}</ul>;
        } },
      ]} />
    </details>
  );
}

// ---- 预警清单 ----

const FILTERS = ['ruleId', 'severity', 'status', 'unitCode', 'subjectKind'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function FilterForm({ current, rules }: { current: Filters; rules: RuleSet | null }) {
  const [f, setF] = useState<Filters>(current);
  const set = (k: keyof Filters) => (e: Event) => setF({ ...f, [k]: val(e) });
  const apply = (e: Event) => {
    e.preventDefault();
    // A new filter starts from the first page: a cursor belongs to the list it was issued for.
    setQuery({ ...f, after: null });
  };
  const clear = () => setQuery({ ruleId: null, severity: null, status: null, unitCode: null, subjectKind: null, after: null });
  return (
    <form class="stack card no-print" onSubmit={apply} aria-label="筛选预警" data-testid="alert-filters">
      <Field label="规则">
        <select name="ruleId" value={f.ruleId} onChange={set('ruleId')}>
          <option value="">全部规则</option>
          {(rules?.catalogue ?? []).map((r) => <option value={r.ruleId}>{r.ruleId} {r.name}</option>)}
          {f.ruleId && !rules?.catalogue.some((r) => r.ruleId === f.ruleId) && <option value={f.ruleId}>{f.ruleId}</option>}
        </select>
      </Field>
      <Field label="等级">
        <select name="severity" value={f.severity} onChange={set('severity')}>
          <option value="">全部等级</option>
          {Object.entries(SEVERITY_NAMES).map(([k, n]) => <option value={k}>{n}</option>)}
        </select>
      </Field>
      <Field label="处置状态">
        <select name="status" value={f.status} onChange={set('status')}>
          <option value="">全部</option>
          {Object.entries(ALERT_STATUS_NAMES).map(([k, n]) => <option value={k}>{n}</option>)}
        </select>
      </Field>
      <Field label="对象类型">
        <select name="subjectKind" value={f.subjectKind} onChange={set('subjectKind')}>
          <option value="">全部</option>
          {Object.entries(SUBJECT_KIND_NAMES).map(([k, n]) => <option value={k}>{n}</option>)}
        </select>
      </Field>
      <Field label="单位代码（含下级）">
        <input name="unitCode" value={f.unitCode} inputMode="numeric" placeholder="如 990101000000" onInput={set('unitCode')} />
      </Field>
      <div class="row">
        <button type="submit" class="primary">筛选</button>
        <button type="button" onClick={clear}>清除筛选</button>
      </div>
    </form>
  );
}

/** 由预警立案: the inspector opens a case from the alerts ticked on the page (POST /cases, source alert). */
function OpenCaseForm({ picked, onClear }: { picked: Alert[]; onClear: () => void }) {
  const today = todayInBeijing();
  const [f, setF] = useState({ caseId: `CASE-${today.replace(/-/g, '')}-${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`, title: '', unit: '',
    dueDate: addDays(today, 90), effectiveDate: today, crossInspection: false });
  const w = useSubmit();
  const suggestedUnit = commonUnit(picked.map((a) => a.unitCode));
  const suggestedTitle = picked.length ? `${picked[0].ruleName}${picked.length > 1 ? `等 ${picked.length} 条预警` : '预警'}核查` : '';
  const set = (k: 'caseId' | 'title' | 'unit' | 'dueDate' | 'effectiveDate') => (e: Event) => setF({ ...f, [k]: val(e) });
  const submit = (e: Event) => {
    e.preventDefault();
    void w.run(null, async () => {
      if (picked.length === 0) throw new Error('请先在上面的清单中勾选至少一条预警');
      const body = {
        caseId: f.caseId.trim(), title: (f.title || suggestedTitle).trim(), source: 'alert', subjectUnitCode: (f.unit || suggestedUnit).trim(),
        alertIds: picked.map((a) => a.alertId), crossInspection: f.crossInspection, dueDate: f.dueDate, effectiveDate: f.effectiveDate,
      };
      const r = await api.post<{ caseId: string }>('/cases', body);
      justOpened = r.caseId;
      onClear();
      go(['cases', r.caseId]);
      return `已立案 ${r.caseId}`;
    });
  };
  return (
    <Section title="由所选预警立案">
      <form class="stack card no-print" id="open-case" onSubmit={submit} aria-label="由所选预警立案" data-testid="open-case-form" noValidate>
        <p class="wide" data-testid="picked-count">
          已选 {picked.length} 条预警{picked.length ? `：${picked.map((a) => a.alertId).join('、')}` : '（在清单左侧勾选）'}
        </p>
        <Field label="案件编号"><input name="caseId" value={f.caseId} required onInput={set('caseId')} /></Field>
        <Field label="案件名称"><input name="title" value={f.title} placeholder={suggestedTitle} onInput={set('title')} /></Field>
        <Field label="被检查单位（行政区划代码）"><input name="subjectUnitCode" value={f.unit} placeholder={suggestedUnit} inputMode="numeric" onInput={set('unit')} /></Field>
        <Field label="立案日期"><input type="date" name="effectiveDate" value={f.effectiveDate} max={today} onInput={set('effectiveDate')} /></Field>
        <Field label="整改期限"><input type="date" name="dueDate" value={f.dueDate} onInput={set('dueDate')} /></Field>
        <label>
          <span>线索来源</span>
          <input name="source" value={nameOf(CASE_SOURCE_NAMES, 'alert')} readOnly />
        </label>
        <label class="row" style="flex-wrap:nowrap">
          <input type="checkbox" name="crossInspection" checked={f.crossInspection} onChange={(e) => setF({ ...f, crossInspection: e.currentTarget.checked })} />
          <span>异地交叉检查（本地检查人员不得办理）</span>
        </label>
        <div><button type="submit" class="primary" disabled={w.busy || picked.length === 0}>立案</button></div>
        <div class="wide"><w.Outcome /></div>
      </form>
    </Section>
  );
}

/**
 * 预警清单: the alerts under the basis (the rule version in force on each day), filtered by rule,
 * severity, status, unit and kind of subject, with totals by severity; the rule set in force; and,
 * for the inspector, ticking alerts to open a case from them.
 */
export function AlertsPage({ who }: { who: Principal }) {
  const basis = basisQuery();
  const q = currentRoute().query;
  const filters = Object.fromEntries(FILTERS.map((k) => [k, q.get(k) ?? ''])) as Filters;
  const after = q.get('after') ?? undefined;
  const list = useApi<AlertList>('/alerts', { ...basis, ...filters, after, limit: PAGE });
  const rules = useApi<RuleSet>(list.error ? null : '/rule-sets/red-flags', basis);
  const [picked, setPicked] = useState<Alert[]>([]);
  const inspector = who.role === 'inspector';
  const d = list.data;
  const toggle = (a: Alert, on: boolean) => setPicked((p) => (on ? [...p.filter((x) => x.alertId !== a.alertId), a] : p.filter((x) => x.alertId !== a.alertId)));
  const filtered = FILTERS.some((k) => filters[k]);
  return (
    <>
      <h1>预警</h1>
      <p class="sub">线上预警 → 线下核实 → 整改 → 销号。预警按各业务日期当天有效的规则版本判断。</p>
      <BasisBar basis={d?.basis} />
      <ExportButtons path="/alerts" query={{ ...basis, ...filters }} what="预警清单（全部筛选结果）" />
      <ErrorBox error={list.error} />
      {!list.error && <FilterForm current={filters} rules={rules.data} />}
      {rules.data && <RuleSetList set={rules.data} />}
      <ErrorBox error={rules.error} />
      {list.loading && <Loading what="预警" />}
      {d && (
        <Section title="预警清单">
          <div class="figures" data-testid="alert-counts">
            <div class="figure"><div class="label">{filtered ? '符合条件的预警（条）' : '预警合计（条）'}</div><div class="value" data-testid="alert-total">{d.total}</div></div>
            {Object.entries(SEVERITY_NAMES).map(([k, n]) => (
              <div class="figure"><div class="label"><span class={`sev-${k}`} aria-hidden="true">●</span> {n}色预警（条）</div><div class="value" data-testid={`count-${k}`}>{d.bySeverity[k] ?? 0}</div></div>
            ))}
          </div>
          <Table rows={d.alerts} rowKey={(a) => a.alertId} empty="在所选时点与条件下没有预警" columns={[
            ...(inspector ? [{ label: '选择', cell: (a: Alert) => (
              <input type="checkbox" aria-label={`选择预警 ${a.alertId}`} data-alert={a.alertId} checked={picked.some((x) => x.alertId === a.alertId)}
                onChange={(e) => toggle(a, e.currentTarget.checked)} />
            ) }] : []),
            { label: '等级', cell: (a) => <SeverityBadge severity={a.severity} /> },
            { label: '规则', cell: (a) => <span><strong>{a.ruleId}</strong> {a.ruleName} <span class="muted" style="white-space:nowrap">第{a.ruleVersion}版</span></span> },
            { label: '情形', cell: (a) => <a href={href(['alerts', a.alertId])} data-testid="alert-link">{a.description}</a> },
            { label: '对象', cell: (a) => <SubjectLink s={a.subject} /> },
            { label: '单位', cell: (a) => a.unitCode },
            { label: '金额（元）', num: true, cell: (a) => <Money v={a.amount} /> },
            { label: '发现日期', cell: (a) => <span>{a.raisedOn}<small class="muted" style="display:block">记录于 {instant(a.raisedAt)}</small></span> },
            { label: '处置', cell: (a) => <AlertStatus a={a} who={who} /> },
          ]} />
          <p class="row no-print" data-testid="alert-paging">
            {after && <a href={href(['alerts'], { ...filters, after: null })}>回到第一页</a>}
            {after && <button type="button" onClick={() => history.back()}>上一页</button>}
            {d.next && <a href={href(['alerts'], { ...filters, after: d.next })} data-testid="next-page">下一页 →</a>}
            <span class="muted">本页 {d.alerts.length} 条，共 {d.total} 条</span>
          </p>
        </Section>
      )}
      {inspector && d && <OpenCaseForm picked={picked} onClear={() => setPicked([])} />}
      {inspector && picked.length > 0 && (
        // The form sits below a long list: a bar in view says what is ticked and takes the reader to it.
        <div class="card row no-print" style="position:sticky;bottom:0;box-shadow:0 -2px 6px rgba(0,0,0,.12)" data-testid="picked-bar">
          <span>已选 {picked.length} 条预警</span>
          <button type="button" class="primary" onClick={() => document.getElementById('open-case')?.scrollIntoView({ behavior: 'smooth' })}>填写立案信息</button>
          <button type="button" onClick={() => setPicked([])}>取消选择</button>
        </div>
      )}
    </>
  );
}

// ---- one alert ----

function isYuan(v: unknown): v is string {
  return typeof v === 'string' && /^-?[0-9]+\.[0-9]{2}$/.test(v);
}

/** One value of an alert's detail: ids open their page, codes read as names, fen as yuan. */
function DetailValue({ k, v }: { k: string; v: unknown }) {
  if (v === null || v === undefined) return <span class="muted">无</span>;
  if (Array.isArray(v)) return <>{v.map((x, i) => <>{i ? '、' : ''}<DetailValue k={k} v={x} /></>)}</>;
  const s = String(v);
  if (/householdId$|HouseholdId$|^households$/.test(k)) return <a href={href(['households', s])}>{s}</a>;
  if (/^(paymentId|otherPaymentId)$/.test(k)) return <a href={href(['payments', s])}>{s}</a>;
  if (k === 'projectId') return <a href={href(['projects', s])}>{s}</a>;
  if (k === 'parentBatchId') return <a href={href(['flow', s])}>{s}</a>;
  if (k === 'channel') return <>{nameOf(CHANNEL_NAMES, s)}</>;
  if (k === 'payeeType') return <>{nameOf(PAYEE_TYPE_NAMES, s)}</>;
  if (k === 'role') return <>{nameOf(ROSTER_ROLE_LABELS, s)}</>;
  if (k === 'link') return <>{nameOf(LINK_NAMES, s)}</>;
  if (DETAIL_IN_FEN.includes(k) && /^-?[0-9]+$/.test(s)) return <><Money v={formatFen(BigInt(s))} /> 元</>;
  if (isYuan(v)) return <><Money v={s} /> 元</>;
  return <>{s}</>;
}

/**
 * One evidence event's inclusion proof in the sealed log (GET /events/{id}/proof), on request. The page
 * shows where it was sealed and offers the proof as a file: the check itself is the auditor's, offline,
 * with the standalone verifier and the public key (`node yuantrace-verify.js --proof … --key …`).
 */
function EvidenceProof({ eventId }: { eventId: string }) {
  const [asked, setAsked] = useState(false);
  const proof = useApi<{ leafHash: string; proof: { checkpoint: number; index: number; treeSize: number } }>(asked ? `/events/${encodeURIComponent(eventId)}/proof` : null);
  if (!asked) return <button type="button" onClick={() => setAsked(true)}>查看封存证明</button>;
  if (proof.loading) return <Loading what="封存证明" />;
  if (proof.error) return <ErrorBox error={proof.error} />;
  const p = proof.data;
  return (
    <p class="ok" data-testid="proof">
      已封存：第 {p?.proof.checkpoint} 号检查点，{p?.proof.treeSize} 条事件中的第 {(p?.proof.index ?? 0) + 1} 条；叶哈希 <code style="word-break:break-all">{p?.leafHash}</code>
      <br />
      <a href={`data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(p))}`} download={`proof-${eventId}.json`}>下载证明文件</a>
      ，可用公钥（<a href="/checkpoints/public-key" download="public-key.json">下载</a>）以 yuantrace-verify.js 离线核验
    </p>
  );
}

/** 预警: one alert — its rule and version, subject, amount, the figures and detail it was raised on, its evidence events and where it stands. */
export function AlertPage({ alertId, who }: { alertId: string; who: Principal }) {
  const basis = basisQuery();
  const alert = useApi<AlertView>(`/alerts/${encodeURIComponent(alertId)}`, basis);
  const rules = useApi<RuleSet>(alert.data ? '/rule-sets/red-flags' : null, basis);
  const a = alert.data;
  const rule = a && rules.data?.catalogue.find((r) => r.ruleId === a.ruleId);
  const version = a && rules.data?.versions.find((v) => v.version === a.ruleVersion);
  const params = rule && version ? Object.entries(rule.params) : [];
  return (
    <>
      <h1>预警{a ? <> {a.ruleId} {a.ruleName} <SeverityBadge severity={a.severity} /></> : ` ${alertId}`}</h1>
      {a && <p class="sub" data-testid="alert-description">{a.description}</p>}
      <BasisBar basis={a?.basis} />
      <ExportButtons path={`/alerts/${encodeURIComponent(alertId)}`} query={basis} what="预警" />
      <ErrorBox error={alert.error} />
      {alert.loading && <Loading what="预警" />}
      {a && (
        <>
          <Facts testId="alert-facts" items={[
            ['预警编号', <span data-testid="alert-id">{a.alertId}</span>],
            ['规则', <span data-testid="alert-rule">{a.ruleId} {a.ruleName}（规则集第 {a.ruleVersion} 版）</span>],
            ['情形', a.description],
            ['等级', <SeverityBadge severity={a.severity} />],
            ['对象', <SubjectLink s={a.subject} />],
            ['所属单位', a.unitCode],
            ['金额（元）', a.amount ? <Money v={a.amount} /> : null],
            ['发现日期（业务日期）', a.raisedOn],
            ['记录时间（北京时间）', instant(a.raisedAt)],
            ['处置状态', <AlertStatus a={a} who={who} />],
          ]} />
          {Object.keys(a.figures).length > 0 && (
            <Section title="预警数值">
              <Facts testId="alert-figures" items={Object.entries(a.figures).map(([k, v]) => [FIGURE_NAMES[k] ?? k, isYuan(v) ? <><Money v={v} /> 元</> : String(v)])} />
            </Section>
          )}
          {Object.keys(a.detail).length > 0 && (
            <Section title="比对详情">
              <Facts testId="alert-detail" items={Object.entries(a.detail).map(([k, v]) => [DETAIL_NAMES[k] ?? k, <DetailValue k={k} v={v} />])} />
            </Section>
          )}
          {rule && version && (
            <Section title="所依据的规则">
              <p data-testid="alert-rule-text">
                {rule.ruleId} {rule.name}：第 {version.version} 版（自 {version.effectiveFrom} 起生效），等级 <SeverityBadge severity={version.rules[rule.ruleId]?.variantSeverity[a.variant] ?? version.rules[rule.ruleId]?.severity ?? a.severity} />
              </p>
              {params.length > 0 && (
                <ul>{params.map(([k, p]) => <li>{p.meaning}：<strong>{paramText(p.kind, version.rules[rule.ruleId]?.params[k])}</strong></li>)}</ul>
              )}
            </Section>
          )}
          <Section title={`证据事件（${a.evidence.length} 条）`}>
            <ul data-testid="alert-evidence">
              {a.evidence.map((id) => (
                <li data-event={id}>
                  <code style="word-break:break-all">{id}</code>
                  {MAY_READ_PROOFS.includes(who.role) && <> <EvidenceProof eventId={id} /></>}
                </li>
              ))}
            </ul>
          </Section>
          <p class="no-print"><a href={href(['alerts'])}>← 回到预警清单</a></p>
        </>
      )}
    </>
  );
}

// ---- 案件清单 ----

function CaseStatusBadge({ status, overdue }: { status: string; overdue?: boolean }) {
  const cls = status === 'closed' ? '' : status === 'closure_proposed' ? 'sev-blue' : 'sev-yellow';
  return (
    <span>
      <span class={`badge ${cls}`} style={status === 'closed' ? 'color:var(--ok)' : undefined} data-case-status={status}>{nameOf(CASE_STATUS_NAMES, status)}</span>
      {overdue && <> <span class="badge sev-red" data-testid="overdue">逾期</span></>}
    </span>
  );
}

/** 案件: the cases of the reader's region under the basis, by status and overdue (未销号且已过整改期限). */
export function CasesPage({ who }: { who: Principal }) {
  const basis = basisQuery();
  const q = currentRoute().query;
  const status = q.get('status') ?? '';
  const overdue = q.get('overdue') === 'true';
  const after = q.get('after') ?? undefined;
  const list = useApi<CaseList>('/cases', { ...basis, status, overdue: overdue ? 'true' : undefined, after, limit: PAGE });
  const d = list.data;
  return (
    <>
      <h1>案件</h1>
      <p class="sub">问题线索 → 核实 → 整改 → 销号；逾期指未销号且已过整改期限（按所选业务日期判断）。</p>
      <BasisBar basis={d?.basis} />
      <ExportButtons path="/cases" query={{ ...basis, status, overdue: overdue ? 'true' : undefined }} what="案件清单（全部筛选结果）" />
      <ErrorBox error={list.error} />
      {!list.error && (
        <form class="row card no-print" aria-label="筛选案件" onSubmit={(e) => e.preventDefault()}>
          <label>
            状态
            <select name="status" value={status} onChange={(e) => setQuery({ status: val(e) || null, after: null })}>
              <option value="">全部</option>
              {Object.entries(CASE_STATUS_NAMES).map(([k, n]) => <option value={k}>{n}</option>)}
            </select>
          </label>
          <label class="row" style="flex-wrap:nowrap">
            <input type="checkbox" name="overdue" checked={overdue} onChange={(e) => setQuery({ overdue: e.currentTarget.checked ? 'true' : null, after: null })} />
            <span>只看逾期</span>
          </label>
        </form>
      )}
      {list.loading && <Loading what="案件" />}
      {d && (
        <Section title="案件清单">
          <Table rows={d.cases} rowKey={(c) => c.caseId} empty="在所选时点与条件下没有案件" columns={[
            { label: '案件编号', cell: (c) => <a href={href(['cases', c.caseId])}>{c.caseId}</a> },
            { label: '名称', cell: (c) => c.title },
            { label: '线索来源', cell: (c) => nameOf(CASE_SOURCE_NAMES, c.source) },
            { label: '被检查单位', cell: (c) => c.subjectUnitCode },
            { label: '异地交叉', cell: (c) => (c.crossInspection ? '是' : '否') },
            { label: '立案', cell: (c) => <span>{c.openedOn}<small class="muted" style="display:block">{c.openedBy}</small></span> },
            { label: '整改期限', cell: (c) => c.dueDate },
            { label: '状态', cell: (c) => <CaseStatusBadge status={c.status} overdue={c.overdue} /> },
          ]} />
          <p class="row no-print">
            {after && <a href={href(['cases'], { status, overdue: overdue ? 'true' : null, after: null })}>回到第一页</a>}
            {d.next && <a href={href(['cases'], { status, overdue: overdue ? 'true' : null, after: d.next })}>下一页 →</a>}
          </p>
        </Section>
      )}
    </>
  );
}

// ---- one case and its forms ----

function FindingForm({ c, onDone }: { c: CaseView; onDone: () => void }) {
  const today = todayInBeijing();
  const fresh = () => ({ findingId: `F-${c.findings.length + 1}`, findingType: 'DIVERSION', description: '', amount: '', responsiblePersons: '', effectiveDate: today });
  const [f, setF] = useState(fresh);
  useEffect(() => setF(fresh()), [c.findings.length]);
  const w = useSubmit();
  const set = (k: keyof ReturnType<typeof fresh>) => (e: Event) => setF({ ...f, [k]: val(e) });
  const submit = (e: Event) => {
    e.preventDefault();
    void w.run(null, async () => {
      const people = f.responsiblePersons.split(/[,，、;；\n]/).map((s) => s.trim()).filter(Boolean);
      await api.post(`/cases/${encodeURIComponent(c.caseId)}/findings`, {
        findingId: f.findingId.trim(), findingType: f.findingType, description: f.description.trim(), effectiveDate: f.effectiveDate,
        ...(f.amount.trim() ? { amount: f.amount.trim().replace(/,/g, '') } : {}), ...(people.length ? { responsiblePersons: people } : {}),
      });
      onDone();
      return `已记录问题 ${f.findingId.trim()}（${nameOf(FINDING_TYPE_NAMES, f.findingType)}）`;
    });
  };
  return (
    <form class="stack card" onSubmit={submit} aria-label="记录查实的问题" data-testid="finding-form" noValidate>
      <Field label="问题编号"><input name="findingId" value={f.findingId} onInput={set('findingId')} /></Field>
      <Field label="问题类型">
        <select name="findingType" value={f.findingType} onChange={set('findingType')}>
          {Object.entries(FINDING_TYPE_NAMES).map(([k, n]) => <option value={k}>{n}</option>)}
        </select>
      </Field>
      <Field label="涉及金额（元，可不填）"><input name="amount" value={f.amount} inputMode="decimal" placeholder="如 3000.00" onInput={set('amount')} /></Field>
      <Field label="责任人（多人用顿号分隔）"><input name="responsiblePersons" value={f.responsiblePersons} onInput={set('responsiblePersons')} /></Field>
      <Field label="核实日期"><input type="date" name="effectiveDate" value={f.effectiveDate} max={today} onInput={set('effectiveDate')} /></Field>
      <Field label="核实情况" wide><textarea name="description" rows={2} style="width:100%" value={f.description} onInput={set('description')} /></Field>
      <div><button type="submit" class="primary" disabled={w.busy}>记录问题</button></div>
      <div class="wide"><w.Outcome /></div>
    </form>
  );
}

function RectificationForm({ c, onDone }: { c: CaseView; onDone: () => void }) {
  const today = todayInBeijing();
  const fresh = () => ({ rectificationId: `R-${c.rectifications.length + 1}`, kind: 'accountability', findingId: c.findings[0]?.findingId ?? '', description: '',
    amount: '', paymentIds: '', personName: '', measure: 'ADMONISHMENT', effectiveDate: today });
  const [f, setF] = useState(fresh);
  useEffect(() => setF(fresh()), [c.rectifications.length, c.findings.length]);
  const w = useSubmit();
  const set = (k: keyof ReturnType<typeof fresh>) => (e: Event) => setF({ ...f, [k]: val(e) });
  const submit = (e: Event) => {
    e.preventDefault();
    void w.run(null, async () => {
      // The api refuses a field that is not of the kind: each kind sends its own.
      const own = f.kind === 'funds_recovered'
        ? { amount: f.amount.trim().replace(/,/g, ''), paymentIds: f.paymentIds.split(/[,，、\s]+/).filter(Boolean) }
        : f.kind === 'accountability' ? { personName: f.personName.trim(), measure: f.measure } : {};
      await api.post(`/cases/${encodeURIComponent(c.caseId)}/rectifications`, {
        rectificationId: f.rectificationId.trim(), kind: f.kind, effectiveDate: f.effectiveDate, ...(f.findingId ? { findingId: f.findingId } : {}),
        ...(f.description.trim() ? { description: f.description.trim() } : {}), ...own,
      });
      onDone();
      return `已记录整改 ${f.rectificationId.trim()}（${nameOf(RECTIFICATION_KIND_NAMES, f.kind)}）`;
    });
  };
  return (
    <form class="stack card" onSubmit={submit} aria-label="记录整改" data-testid="rectification-form" noValidate>
      <Field label="整改编号"><input name="rectificationId" value={f.rectificationId} onInput={set('rectificationId')} /></Field>
      <Field label="整改类别">
        <select name="kind" value={f.kind} onChange={set('kind')}>
          {Object.entries(RECTIFICATION_KIND_NAMES).map(([k, n]) => <option value={k}>{n}</option>)}
        </select>
      </Field>
      <Field label="所整改的问题">
        <select name="findingId" value={f.findingId} onChange={set('findingId')}>
          <option value="">不指定</option>
          {c.findings.map((x) => <option value={x.findingId}>{x.findingId} {nameOf(FINDING_TYPE_NAMES, x.findingType)}</option>)}
        </select>
      </Field>
      {f.kind === 'funds_recovered' && <>
        <Field label="追回金额（元）"><input name="amount" value={f.amount} inputMode="decimal" onInput={set('amount')} /></Field>
        <Field label="已红冲的支付编号（多笔用逗号分隔）"><input name="paymentIds" value={f.paymentIds} onInput={set('paymentIds')} /></Field>
      </>}
      {f.kind === 'accountability' && <>
        <Field label="被问责人"><input name="personName" value={f.personName} onInput={set('personName')} /></Field>
        <Field label="问责方式">
          <select name="measure" value={f.measure} onChange={set('measure')}>
            {Object.entries(ACCOUNTABILITY_MEASURE_NAMES).map(([k, n]) => <option value={k}>{n}</option>)}
          </select>
        </Field>
      </>}
      <Field label="整改日期"><input type="date" name="effectiveDate" value={f.effectiveDate} max={today} onInput={set('effectiveDate')} /></Field>
      <Field label="整改说明" wide><textarea name="description" rows={2} style="width:100%" value={f.description} onInput={set('description')} /></Field>
      <div><button type="submit" class="primary" disabled={w.busy}>记录整改</button></div>
      <div class="wide"><w.Outcome /></div>
    </form>
  );
}

/** 申请销号 (with why any finding's money was not recovered in full), or, once proposed, the second inspector's 销号审核. */
function ClosureForm({ c, onDone }: { c: CaseView; onDone: () => void }) {
  const today = todayInBeijing();
  const short = c.findings.filter((x) => x.amount !== null && x.recovered !== x.amount);
  const [comment, setComment] = useState('');
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [date, setDate] = useState(today);
  const [confirmed, setConfirmed] = useState(true);
  const w = useSubmit();
  const path = `/cases/${encodeURIComponent(c.caseId)}/closure`;
  if (c.status === 'closure_proposed') {
    const submit = (e: Event) => {
      e.preventDefault();
      void w.run(null, async () => {
        await api.post(`${path}/confirmation`, { confirmed, comment: comment.trim(), effectiveDate: date });
        onDone();
        return confirmed ? '已同意销号' : '已退回销号申请';
      });
    };
    return (
      <form class="stack card" onSubmit={submit} aria-label="销号审核" data-testid="confirmation-form" noValidate>
        <Field label="审核结论">
          <select name="confirmed" value={confirmed ? 'true' : 'false'} onChange={(e) => setConfirmed(val(e) === 'true')}>
            <option value="true">同意销号</option>
            <option value="false">退回（须写明意见）</option>
          </select>
        </Field>
        <Field label="审核日期"><input type="date" name="effectiveDate" value={date} max={today} onInput={(e) => setDate(val(e))} /></Field>
        <Field label="审核意见" wide><textarea name="comment" rows={2} style="width:100%" value={comment} onInput={(e) => setComment(val(e))} /></Field>
        <div><button type="submit" class="primary" disabled={w.busy}>提交审核</button></div>
        <div class="wide"><w.Outcome /></div>
      </form>
    );
  }
  const submit = (e: Event) => {
    e.preventDefault();
    void w.run(null, async () => {
      const shortfalls = short.filter((x) => notes[x.findingId]?.trim()).map((x) => ({ findingId: x.findingId, note: notes[x.findingId].trim() }));
      await api.post(path, { comment: comment.trim(), shortfalls, effectiveDate: date });
      onDone();
      return '已申请销号，等待另一名检查人员审核';
    });
  };
  return (
    <form class="stack card" onSubmit={submit} aria-label="申请销号" data-testid="closure-form" noValidate>
      {short.map((x) => (
        <Field label={`${x.findingId} 未全额追回的原因（涉及 ${yuan(x.amount)} 元，已追回 ${yuan(x.recovered)} 元）`} wide>
          <input name={`shortfall-${x.findingId}`} style="width:100%" value={notes[x.findingId] ?? ''} onInput={(e) => setNotes({ ...notes, [x.findingId]: val(e) })} />
        </Field>
      ))}
      <Field label="申请日期"><input type="date" name="effectiveDate" value={date} max={today} onInput={(e) => setDate(val(e))} /></Field>
      <Field label="销号意见" wide><textarea name="comment" rows={2} style="width:100%" value={comment} onInput={(e) => setComment(val(e))} /></Field>
      <div><button type="submit" class="primary" disabled={w.busy}>申请销号</button></div>
      <div class="wide"><w.Outcome /></div>
    </form>
  );
}

/** 案件: the case under the basis — its alerts, findings and what was recovered of each, rectifications, closure, and its timeline. */
export function CasePage({ caseId, who }: { caseId: string; who: Principal }) {
  const basis = basisQuery();
  const view = useApi<CaseView>(`/cases/${encodeURIComponent(caseId)}`, basis);
  const [tries, setTries] = useState(0);
  // A case opened a moment ago may not be on the read side yet: ask again a few times before saying it does not exist.
  const waiting = justOpened === caseId && view.error?.code === 'case_not_found' && tries < 10;
  useEffect(() => {
    if (!waiting) return;
    const t = setTimeout(() => {
      setTries((n) => n + 1);
      view.reload();
    }, 300);
    return () => clearTimeout(t);
  }, [waiting, tries]);
  const c = view.data;
  // After a step recorded here, the case's read side follows a moment later: read until the timeline
  // has the new step (or a few seconds have passed), then show it.
  const refresh = async () => {
    const before = c?.timeline.length ?? 0;
    await untilSeen<CaseView>(`/cases/${encodeURIComponent(caseId)}`, basis, (now) => now.timeline.length > before);
    view.reload();
  };
  const writable = who.role === 'inspector' && !basis.asOf && !basis.knownAt && c && c.status !== 'closed';
  return (
    <>
      <h1>案件 {caseId}{c && <> <CaseStatusBadge status={c.status} overdue={c.overdue} /></>}</h1>
      {c && <p class="sub" data-testid="case-title">{c.title}</p>}
      <BasisBar basis={c?.basis} />
      <ExportButtons path={`/cases/${encodeURIComponent(caseId)}`} query={basis} what="案件" />
      {!waiting && <ErrorBox error={view.error} />}
      {(view.loading || waiting) && <Loading what="案件" />}
      {c && (
        <>
          <Facts testId="case-facts" items={[
            ['案件名称', c.title],
            ['线索来源', nameOf(CASE_SOURCE_NAMES, c.source)],
            ['被检查单位', c.subjectUnitCode],
            ['异地交叉检查', c.crossInspection ? '是' : '否'],
            ['立案', `${c.openedOn}（${c.openedBy}）`],
            ['整改期限', <>{c.dueDate}{c.overdue && <> <span class="badge sev-red">已逾期</span></>}</>],
            ['状态', <CaseStatusBadge status={c.status} />],
            ['追回金额合计（元）', <span data-testid="case-recovered"><Money v={c.recovered} /></span>],
          ]} />
          <Section title={`所依据的预警（${c.alertIds.length} 条）`}>
            {c.alertIds.length === 0 ? <p class="muted">本案不是由预警立案</p> : (
              <ul data-testid="case-alerts">{c.alertIds.map((id) => <li data-alert={id}><a href={href(['alerts', id])}>{id}</a></li>)}</ul>
            )}
          </Section>
          <Section title="查实的问题">
            <Table rows={c.findings} rowKey={(f) => f.findingId} empty="尚未记录核实结果" columns={[
              { label: '编号', cell: (f) => f.findingId },
              { label: '问题类型', cell: (f) => nameOf(FINDING_TYPE_NAMES, f.findingType) },
              { label: '核实情况', cell: (f) => f.description },
              { label: '涉及金额（元）', num: true, cell: (f) => <Money v={f.amount} /> },
              { label: '已追回（元）', num: true, cell: (f) => <Money v={f.recovered} /> },
              { label: '责任人', cell: (f) => f.responsiblePersons.join('、') || '—' },
              { label: '核实日期', cell: (f) => <span>{f.effectiveDate}<small class="muted" style="display:block">{f.recordedBy}</small></span> },
            ]} />
          </Section>
          <Section title="整改">
            <Table rows={c.rectifications} rowKey={(r) => r.rectificationId} empty="尚未记录整改" columns={[
              { label: '编号', cell: (r) => r.rectificationId },
              { label: '类别', cell: (r) => nameOf(RECTIFICATION_KIND_NAMES, r.kind) },
              { label: '问题', cell: (r) => r.findingId ?? '—' },
              { label: '内容', cell: (r) => (
                <div>
                  {r.kind === 'funds_recovered' && <div>追回 <Money v={r.amount} /> 元{r.paymentIds?.length ? `；红冲支付 ${r.paymentIds.join('、')}` : ''}
                    {r.returns?.length ? `；资金退回 ${r.returns.map((x) => `${x.batchId}/${x.returnId}`).join('、')}` : ''}</div>}
                  {r.kind === 'accountability' && <div>{r.personName}：{nameOf(ACCOUNTABILITY_MEASURE_NAMES, r.measure ?? '')}</div>}
                  {r.description && <div class="muted">{r.description}</div>}
                </div>
              ) },
              { label: '整改日期', cell: (r) => <span>{r.effectiveDate}<small class="muted" style="display:block">{r.recordedBy}</small></span> },
            ]} />
          </Section>
          <Section title="销号">
            {!c.proposal && !c.closure && <p class="muted">尚未申请销号</p>}
            {c.proposal && (
              <Facts testId="case-proposal" items={[
                ['申请销号', `${c.proposal.effectiveDate}（${c.proposal.proposedBy}）`],
                ['销号意见', c.proposal.comment || '—'],
                ...c.proposal.shortfalls.map((s): [string, ComponentChildren] => [`${s.findingId} 未全额追回`, s.note]),
              ]} />
            )}
            {c.closure && (
              <Facts testId="case-closure" items={[
                ['同意销号', `${c.closure.effectiveDate}（${c.closure.confirmedBy}）`],
                ['审核意见', c.closure.comment || '—'],
              ]} />
            )}
          </Section>
          <Section title="办理过程">
            <ul class="timeline" data-testid="case-timeline">
              {c.timeline.map((s) => (
                <li data-step={s.step}>
                  <div class="row"><strong>{STEP_NAMES[s.step] ?? s.step}</strong><CaseStatusBadge status={s.status} /></div>
                  <div>业务日期 {s.effectiveDate}<span class="muted">；记录于 {instant(s.recordedAt)}（北京时间）</span></div>
                  <div>操作人：{s.by ?? '—'}</div>
                </li>
              ))}
            </ul>
          </Section>
          {writable && (
            <div class="no-print">
              <Section title="核实：记录查实的问题"><FindingForm c={c} onDone={() => void refresh()} /></Section>
              {c.findings.length > 0 && c.status !== 'closure_proposed' && <Section title="记录整改"><RectificationForm c={c} onDone={() => void refresh()} /></Section>}
              {c.findings.length > 0 && <Section title={c.status === 'closure_proposed' ? '销号审核（须由申请人以外的检查人员办理）' : '申请销号'}><ClosureForm c={c} onDone={() => void refresh()} /></Section>}
            </div>
          )}
          {who.role === 'inspector' && c.status !== 'closed' && (basis.asOf || basis.knownAt) && (
            <p class="muted no-print">正在查看历史时点的案件；回到当前后才能继续办理。</p>
          )}
        </>
      )}
    </>
  );
}
