import { useMemo, useState } from 'preact/hooks';
import { useApi, type Basis } from '../lib/api';
import { BasisBar, basisQuery } from '../components/basis-bar';
import { ExportButtons } from '../components/export-buttons';
import { Chart } from '../components/chart';
import { ErrorBox, Facts, Figures, Loading, Money, Section } from '../components/ui';
import {
  BATCH_FIGURES, BATCH_STATUS_NAMES, DISPOSAL_NAMES, FIGURES, ISSUER_LEVEL_NAMES, PAYEE_TYPE_NAMES, SOURCE_NAMES, drawnYuan, fenFromFormatted, formatFen, nameOf, yuan,
} from '../lib/format';
import { href } from '../lib/router';

/** The batch figures of the glossary, as yuan strings (libs/domain figures). */
type BatchFigureValues = { received: string; returnedFromBatches: string; returnedFromProjects: string; allocated: string; committed: string; returned: string;
  held: string; paid: string; unallocated: string; available: string; balance: string };

type BatchView = BatchFigureValues & {
  basis: Basis; batchId: string; documentNo: string; title: string; source: string; issuerLevel: string; recipientUnitCode: string; fiscalYear: number;
  purpose: string; effectiveDate: string; rootBatchId: string; rootDocumentNo: string; status: string; closedOn: string | null; voidedOn: string | null;
  disposal?: string; carriedOverTo?: string | null; voidReason?: string | null; replacedBy?: string | null; replaces?: string[]; amount: string;
  parent: { batchId: string; allocationId: string } | null; children: { batchId: string; recipientUnitCode: string; amount: string }[];
};

type Payee = { type: string; id: string; name: string; paid: string };
type FlowProject = { type: 'project'; allocationId: string; projectId: string; documentNo: string; amount: string; committed: string; returned: string;
  held: string; paid: string; balance: string; payees: Payee[] };
type FlowBatch = BatchFigureValues & { batchId: string; documentNo: string; recipientUnitCode: string; source: string; status: string; children: FlowChild[] };
type FlowChildBatch = { type: 'batch'; allocationId: string; documentNo: string; amount: string; batchId: string; inFlight?: true } & Partial<FlowBatch>;
type FlowChild = FlowChildBatch | FlowProject;

/**
 * What each node of the tree is. Leaves are where the batch's money is now: paid to a payee, held for
 * a payment in flight, unspent at a project or a batch, sent back up, or passed to a batch not yet on
 * the books under the basis.
 */
type Kind = 'batch' | 'project' | 'payee' | 'others' | 'unallocated' | 'held' | 'balance' | 'returned' | 'inFlight';
const KIND_NAMES: Record<Kind, string> = {
  batch: '资金批次', project: '项目', payee: '收款人', others: '收款人（合并）', unallocated: '批次结余（未分配）', held: '冻结在途（待支付）',
  balance: '项目结余（未支付）', returned: '退回上级', inFlight: '下拨在途',
};
const KIND_COLOURS: Record<Kind, string> = {
  batch: '#8b1a1a', project: '#0b5cad', payee: '#1a7f37', others: '#1a7f37', unallocated: '#8c959f', held: '#b58100', balance: '#8c959f',
  returned: '#6f42c1', inFlight: '#b58100',
};

/** One row of the tree: a node (or a leaf) with the money that flowed into it, to the fen. */
export type FlowRow = {
  key: string; node: string; parent: string | null; depth: number; kind: Kind; name: string; sub: string; link: string | null;
  amount: bigint; unspent: bigint | null; leaf: boolean; note: string; status?: string;
  /** On a project line with more payees than the chart draws: the key its table rows expand by. */
  group?: { line: string; total: number };
};
export type FlowLink = { source: string; target: string; fen: bigint };

/** A project line with more payees than this shows the largest ones and one merged node for the rest. */
const MAX_PAYEES = 10;

const F = (s: string | undefined | null) => (s ? fenFromFormatted(s) : 0n);

/**
 * The batch's money as a tree whose leaves add up to what it received. Each link carries the money
 * that stayed moved: batch → child batch the child received less what it sent back up (that money is
 * again unallocated at the parent), batch → project what was committed less what the project sent
 * back, project → payee what was paid. So at every node what comes in is what goes out:
 *   batch:   received − returned = Σ child (received − returned) + Σ project (committed − returned) + unallocated
 *   project: committed − returned = Σ payees paid + held + balance
 * and at the top the return up is a leaf of its own, which makes the leaves sum to `received`.
 */
export function flowTree(top: FlowBatch, expanded: ReadonlySet<string> = new Set()): FlowRow[] {
  const rows: FlowRow[] = [];
  const leaf = (parent: FlowRow, kind: Kind, name: string, amount: bigint, note = '', keyOverride?: string) => {
    if (amount === 0n) return; // nothing there: no leaf
    const key = keyOverride ?? `${parent.key}#${kind}`;
    rows.push({ key, node: key, parent: parent.node, depth: parent.depth + 1, kind, name, sub: '', link: null, amount, unspent: null, leaf: true, note });
  };
  const batch = (b: FlowBatch, depth: number, parent: string | null, amount: bigint, note: string, documentNo: string) => {
    const key = `batch:${b.batchId}`;
    const row: FlowRow = { key, node: key, parent, depth, kind: 'batch', name: b.batchId, sub: documentNo, link: href(['flow', b.batchId]), amount,
      unspent: F(b.balance), leaf: false, note, status: b.status };
    rows.push(row);
    if (depth === 0) leaf(row, 'returned', FIGURES.returned.zh, F(b.returned), '本批次退回的资金');
    for (const c of b.children) {
      if (c.type === 'batch') {
        if (c.inFlight || c.received === undefined) {
          leaf(row, 'inFlight', `${c.batchId}（下级批次尚未入账）`, F(c.amount), `下拨文号 ${c.documentNo}`, `batch:${c.batchId}#inFlight`);
          continue;
        }
        const back = F(c.returned);
        batch(c as FlowBatch, depth + 1, key, F(c.received) - back,
          `下拨 ${yuan(c.amount)} 元${back ? `，退回上级 ${yuan(c.returned)} 元` : ''}；单位 ${c.recipientUnitCode}`, c.documentNo);
      } else project(c, row);
    }
    leaf(row, 'unallocated', `${b.batchId} 未分配`, F(b.unallocated), '批次中尚未下拨、安排或退回的资金');
  };
  const project = (p: FlowProject, parent: FlowRow) => {
    const key = `line:${parent.name}:${p.allocationId}`;
    const back = F(p.returned);
    const row: FlowRow = { key, node: key, parent: parent.node, depth: parent.depth + 1, kind: 'project', name: p.projectId, sub: p.documentNo,
      link: href(['projects', p.projectId]), amount: F(p.committed) - back, unspent: F(p.balance), leaf: false,
      note: `安排 ${yuan(p.committed)} 元${back ? `，项目结余退回 ${yuan(p.returned)} 元` : ''}；已支付 ${yuan(p.paid)} 元`,
      group: p.payees.length > MAX_PAYEES ? { line: key, total: p.payees.length } : undefined };
    rows.push(row);
    const payees = [...p.payees].sort((a, b) => (F(b.paid) > F(a.paid) ? 1 : F(b.paid) < F(a.paid) ? -1 : a.id < b.id ? -1 : 1));
    const merged = payees.length > MAX_PAYEES && !expanded.has(key);
    const shown = merged ? payees.slice(0, MAX_PAYEES - 1) : payees;
    for (const x of shown) {
      const node = `payee:${x.type}:${x.id}`;
      rows.push({ key: `${key}/${node}`, node, parent: key, depth: row.depth + 1, kind: 'payee', name: x.name, sub: `${nameOf(PAYEE_TYPE_NAMES, x.type)} ${x.id}`,
        link: x.type === 'household' ? href(['households', x.id]) : null, amount: F(x.paid), unspent: null, leaf: true,
        note: F(x.paid) === 0n ? '曾支付，已退票或追回' : '' });
    }
    if (merged) {
      const rest = payees.slice(MAX_PAYEES - 1);
      const node = `${key}#others`;
      rows.push({ key: node, node, parent: key, depth: row.depth + 1, kind: 'others', name: `其余 ${rest.length} 个收款人`, sub: '', link: null,
        amount: rest.reduce((s, x) => s + F(x.paid), 0n), unspent: null, leaf: true, note: '合并显示' });
    }
    leaf(row, 'held', `${p.projectId} 冻结在途`, F(p.held), '已申请、尚未支付或退票的支付');
    leaf(row, 'balance', `${p.projectId} 结余`, F(p.balance), '安排给项目、尚未支付的资金');
  };
  batch(top, 0, null, F(top.received), '', top.documentNo);
  return rows;
}

/** The links of the tree (parent → node, the money that moved), merged where two rows reach one node (a payee paid from two lines). */
export function flowLinks(rows: FlowRow[]): FlowLink[] {
  const byPair = new Map<string, FlowLink>();
  for (const r of rows) {
    if (r.parent === null) continue;
    const k = `${r.parent}→${r.node}`;
    const l = byPair.get(k) ?? { source: r.parent, target: r.node, fen: 0n };
    l.fen += r.amount;
    byPair.set(k, l);
  }
  return [...byPair.values()];
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function sankeyOption(rows: FlowRow[], narrow: boolean) {
  // Links that move nothing (a batch that sent everything back, a payee whose payment was reversed) cannot be drawn.
  const links = flowLinks(rows).filter((l) => l.fen > 0n);
  const drawnNodes = new Set(links.flatMap((l) => [l.source, l.target]));
  if (rows.length) drawnNodes.add(rows[0].node);
  const nodes = new Map<string, { row: FlowRow; fen: bigint }>();
  for (const r of rows) {
    if (!drawnNodes.has(r.node)) continue;
    const n = nodes.get(r.node);
    if (n) n.fen += r.amount; else nodes.set(r.node, { row: r, fen: r.amount });
  }
  const short = (s: string) => (narrow && s.length > 9 ? `${s.slice(0, 8)}…` : s);
  const data = [...nodes.entries()].map(([name, { row, fen }]) => ({
    name,
    label: `${short(row.name)}\n${yuan(formatFen(fen))}`,
    href: row.link,
    amount: formatFen(fen),
    tip: [
      `<b>${esc(row.name)}</b>（${esc(KIND_NAMES[row.kind])}）`,
      row.sub ? esc(row.sub) : '',
      `金额：${esc(yuan(formatFen(fen)))} 元`,
      row.unspent !== null ? `其中未支付（结余）：${esc(yuan(formatFen(row.unspent)))} 元` : '',
      row.note ? esc(row.note) : '',
      row.link ? '点击打开' : '',
    ].filter(Boolean).join('<br>'),
    itemStyle: { color: KIND_COLOURS[row.kind] },
  }));
  const label = (key: string) => nodes.get(key)?.row.name ?? key;
  return {
    animation: false,
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (p: { dataType?: string; data: { tip?: string; source?: string; target?: string; amount?: string } }) =>
        p.dataType === 'edge'
          ? `${esc(label(p.data.source!))} → ${esc(label(p.data.target!))}<br>${esc(yuan(p.data.amount))} 元`
          : p.data.tip ?? '',
    },
    series: [{
      type: 'sankey',
      left: 8,
      top: 12,
      bottom: 12,
      right: narrow ? 96 : 230,
      nodeWidth: narrow ? 10 : 16,
      // Room between leaves for their two-line labels: a small amount's node is thinner than its label.
      nodeGap: narrow ? 18 : 28,
      nodeAlign: 'justify',
      // The order of the tree (and of the table beneath), not a layout that reshuffles it.
      layoutIterations: 0,
      draggable: false,
      emphasis: { focus: 'adjacency' },
      label: { position: 'right', fontSize: narrow ? 10 : 12, color: '#1f2328', formatter: (p: { data: { label: string } }) => p.data.label },
      lineStyle: { color: 'target', opacity: 0.35, curveness: 0.5 },
      data,
      links: links.map((l) => ({ source: l.source, target: l.target, value: drawnYuan(l.fen), fen: l.fen.toString(), amount: formatFen(l.fen) })),
    }],
  };
}


const STATUS_CLASS: Record<string, string> = { open: 'sev-blue', closed: 'muted', voided: 'sev-red' };

function FlowTable({ rows, onToggle, expanded }: { rows: FlowRow[]; onToggle: (line: string) => void; expanded: ReadonlySet<string> }) {
  const leaves = rows.filter((r) => r.leaf);
  const total = leaves.reduce((s, r) => s + r.amount, 0n);
  return (
    <div class="table-wrap">
      <table class="stackable" data-testid="flow-table">
        <caption>资金流向明细（按层级缩进；末级合计 {yuan(formatFen(total))} 元）</caption>
        <thead>
          <tr>
            <th scope="col">流向</th>
            <th scope="col">类别</th>
            <th scope="col">文号 / 说明</th>
            <th scope="col" class="num">金额（元）</th>
            <th scope="col" class="num">其中未支付（元）</th>
            <th scope="col">备注</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const toggle = r.group ?? null;
            return (
              <tr key={r.key} data-node={r.node} data-kind={r.kind} data-depth={r.depth} data-amount={formatFen(r.amount)} data-leaf={r.leaf ? 'true' : 'false'}>
                <td data-label="流向">
                  <span style={`display:inline-block;padding-left:${r.depth * 1.2}em`}>
                    {r.depth > 0 && <span aria-hidden="true" class="muted">└ </span>}
                    {r.link ? <a href={r.link}>{r.name}</a> : r.name}
                    {r.status && r.status !== 'open' && <> <span class={`badge ${STATUS_CLASS[r.status] ?? ''}`}>{nameOf(BATCH_STATUS_NAMES, r.status)}</span></>}
                  </span>
                  {toggle && (
                    <button type="button" class="no-print" style="margin-left:8px;padding:0 8px;font-size:13px" aria-expanded={expanded.has(toggle.line)} onClick={() => onToggle(toggle.line)}>
                      {expanded.has(toggle.line) ? '合并显示' : `展开全部 ${toggle.total} 个收款人`}
                    </button>
                  )}
                </td>
                <td data-label="类别">{KIND_NAMES[r.kind]}</td>
                <td data-label="文号 / 说明">{r.sub || '—'}</td>
                <td data-label="金额（元）" class="num"><Money v={formatFen(r.amount)} /></td>
                <td data-label="其中未支付（元）" class="num">{r.unspent === null ? '—' : <Money v={formatFen(r.unspent)} />}</td>
                <td data-label="备注">{r.note || '—'}</td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr data-testid="flow-leaf-total" data-amount={formatFen(total)}>
            <th scope="row" colSpan={3}>末级合计（已支付 + 冻结 + 各级结余 + 退回）</th>
            <td class="num" data-label="末级合计"><Money v={formatFen(total)} /></td>
            <td colSpan={2} />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/**
 * 资金流向: one batch (one 文号 line at one unit), where its money went — child batches, projects,
 * payees — and what is still unspent at each node, as a Sankey diagram and the same tree as a table.
 */
export function FlowPage({ batchId }: { batchId: string }) {
  const basis = basisQuery();
  const batch = useApi<BatchView>(`/fund-batches/${encodeURIComponent(batchId)}`, basis);
  const flow = useApi<{ basis: Basis; flow: FlowBatch }>(`/fund-batches/${encodeURIComponent(batchId)}/flow`, basis);
  const b = batch.data;
  const unit = useApi<{ name: string }>(b ? `/admin-units/${b.recipientUnitCode}/summary` : null, basis);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const narrow = typeof matchMedia === 'function' && matchMedia('(max-width: 600px)').matches;
  const f = flow.data?.flow;
  const chartRows = useMemo(() => (f ? flowTree(f) : []), [f]);
  const tableRows = useMemo(() => (f ? flowTree(f, expanded) : []), [f, expanded]);
  const option = useMemo(() => (f ? sankeyOption(chartRows, narrow) : null), [chartRows, narrow]);
  const chartLeaves = chartRows.filter((r) => r.leaf && r.amount > 0n).length;
  const toggle = (line: string) => {
    const next = new Set(expanded);
    if (next.has(line)) next.delete(line); else next.add(line);
    setExpanded(next);
  };
  const open = (p: { dataType?: string; data?: unknown }) => {
    const d = p.data as { href?: string | null; target?: string } | undefined;
    if (p.dataType === 'node' && d?.href) location.hash = d.href;
  };
  return (
    <>
      <h1>资金流向{b ? ` · ${b.documentNo}` : ` · ${batchId}`}</h1>
      {b && <p class="sub">{b.title}；批次 {b.batchId}；金额单位：元</p>}
      <BasisBar basis={b?.basis ?? flow.data?.basis} />
      <ExportButtons path={`/fund-batches/${encodeURIComponent(batchId)}`} query={basis} what="批次" />
      <ExportButtons path={`/fund-batches/${encodeURIComponent(batchId)}/flow`} query={basis} what="资金流向" />
      <ErrorBox error={batch.error} />
      {batch.loading && <Loading what="资金批次" />}
      {b && (
        <>
          <Facts items={[
            ['文号', <span data-testid="document-no">{b.documentNo}</span>],
            ['标题', b.title],
            ['资金来源', nameOf(SOURCE_NAMES, b.source)],
            ['下达级次', nameOf(ISSUER_LEVEL_NAMES, b.issuerLevel)],
            ['年度', b.fiscalYear],
            ['状态', <span class={`badge ${STATUS_CLASS[b.status] ?? ''}`} data-testid="batch-status">{nameOf(BATCH_STATUS_NAMES, b.status)}</span>],
            b.status === 'closed' ? ['关闭', `${b.closedOn ?? ''} ${nameOf(DISPOSAL_NAMES, b.disposal ?? 'none')}${b.carriedOverTo ? `，结转至 ${b.carriedOverTo}` : ''}`] : ['', null],
            b.status === 'voided' ? ['撤销', <>{b.voidedOn} {b.voidReason ?? ''}{b.replacedBy && <>，由 <a href={href(['flow', b.replacedBy])}>{b.replacedBy}</a> 替代</>}</>] : ['', null],
            b.replaces?.length ? ['更正', <span data-testid="batch-replaces">替代已撤销的 {b.replaces.map((id, i) => <>{i ? '、' : ''}<a href={href(['flow', id])}>{id}</a></>)}</span>] : ['', null],
            ['收款单位', unit.data ? `${unit.data.name}（${b.recipientUnitCode}）` : b.recipientUnitCode],
            ['下达日期', b.effectiveDate],
            ['用途', b.purpose],
            ['上级批次', b.parent ? <a href={href(['flow', b.parent.batchId])} data-testid="parent-link">{b.parent.batchId}</a> : '无（源头拨款）'],
            ['源头文号', b.rootBatchId === b.batchId
              ? <span data-testid="root-document">{b.rootDocumentNo}（本批次）</span>
              : <a href={href(['flow', b.rootBatchId])} data-testid="root-document">{b.rootDocumentNo}</a>],
          ]} />
          <Figures values={b} names={BATCH_FIGURES} />
        </>
      )}
      {/* An unknown batch or a role without batches fails both reads alike: one sentence is enough. */}
      {!batch.error && <ErrorBox error={flow.error} />}
      {flow.loading && <Loading what="资金流向" />}
      {f && option && (
        <Section title="资金流向图">
          <p class="muted no-print">每条带的宽度是流过的金额：下拨下级为下级收到减退回，安排项目为安排减项目结余退回，收款人为已支付；最右端是资金现在所在：已支付、冻结在途、各级结余与退回。点击批次、项目或农户可打开。</p>
          {chartLeaves === 0
            ? <p class="muted">该批次在此时点没有可绘制的资金流向。</p>
            : <Chart option={option} testId="flow-sankey" height={Math.min(2400, Math.max(360, chartLeaves * (narrow ? 42 : 52) + 40))} onClick={open}
                label={`资金流向图：${f.batchId} 收到 ${yuan(f.received)} 元，流向 ${chartRows.filter((r) => r.leaf && r.amount > 0n).map((r) => `${r.name} ${yuan(formatFen(r.amount))} 元`).join('；')}`} />}
        </Section>
      )}
      {f && (
        <Section title="资金流向明细">
          <FlowTable rows={tableRows} expanded={expanded} onToggle={toggle} />
        </Section>
      )}
    </>
  );
}
