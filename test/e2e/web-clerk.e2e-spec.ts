import type { Page } from 'playwright-core';
import { startConsole, waitForText } from '../support/web-console';

type Moves = { committed: string; returned: string; held: string; paid: string; balance: string };
type ProjectApi = Moves & {
  projectId: string; name: string; budget: string; stage: string; percentComplete: number; funding: (Moves & { allocationId: string })[];
  milestones: { milestoneId: string; kind: string; percentComplete: number | null }[]; payments: { paymentId: string; status: string; installment: string; amount: string }[];
};
type PaymentApi = { paymentId: string; status: string; amount: string; requestedBy: string; channel: string | null; bankReference: string | null; payee: { id: string; name: string } };
type ListApi<T> = { total: number; items: T[] };

/** Yuan as the api writes them, with the separators the page shows. */
const grouped = (y: string) => y.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const fen = (y: string) => BigInt(y.replace('.', ''));
const yuanOf = (f: bigint) => `${f / 100n}.${(f % 100n).toString().padStart(2, '0')}`;

/**
 * The clerk's and the approver's pages in a real Chromium against the real api with the demo county:
 * projects, a project with its gates, 报账 through the form, the approver's queue, 拨付, a household
 * benefit paid end to end, refused amounts, and a milestone.
 */
describe('web console: the clerk and the approver', () => {
  let c: Awaited<ReturnType<typeof startConsole>>;
  let finance: Page;
  let approver: Page;
  beforeAll(async () => {
    c = await startConsole();
    finance = await c.newPage();
    await c.signIn(finance, 'finance');
    approver = await c.newPage();
    await c.signIn(approver, 'approver');
  }, 180_000);
  afterAll(async () => c?.close());

  const text = (page: Page, sel: string) => page.locator(sel).first().innerText();
  const paymentsOf = (page: Page, projectId: string) => c.apiAs<ListApi<PaymentApi>>(page, `/payments?projectId=${projectId}&limit=500`);
  // A fresh load each time: moving to the same hash would keep the page (and its data) as it was.
  let loads = 0;
  const visit = (page: Page, hash: string) => page.goto(`${c.url}/?load=${++loads}#${hash}`);
  const openProject = async (page: Page, projectId: string) => {
    await visit(page, `/projects/${projectId}`);
    await page.waitForSelector('[data-testid="timeline"]');
  };
  const form = (name: string) => `form[data-testid="${name}"]`;
  /** Fills the 报账 form; fields not given keep what the form suggested. */
  const fillPayment = async (page: Page, f: Record<string, string>) => {
    for (const [name, value] of Object.entries(f)) {
      const sel = `${form('payment-form')} [name="${name}"]`;
      if (SELECTS.includes(name)) await page.selectOption(sel, value);
      else await page.fill(sel, value);
    }
  };
  const SELECTS = ['allocationId', 'installment', 'payeeType', 'replacesPaymentId'];
  const contractor = { payeeType: 'contractor', payeeId: 'DEMO-CT-1', payeeName: '演示县通达建筑工程有限公司', payeeAccount: '6222020200112233445' };

  test('the project list shows the api\'s projects, filters by type, and links to a project', async () => {
    await visit(finance, '/projects');
    const all = await c.apiAs<ListApi<{ projectId: string }>>(finance, '/projects?limit=20');
    await waitForText(finance, '[data-testid="project-total"]', `共 ${all.total} 个项目`);
    expect(await finance.locator('table tbody tr').count()).toBe(all.items.length);

    await finance.selectOption('form[aria-label="筛选项目"] select[name="type"]', 'ROAD');
    await finance.click('form[aria-label="筛选项目"] button[type="submit"]');
    const roads = await c.apiAs<ListApi<{ projectId: string; type: string }>>(finance, '/projects?type=ROAD&limit=20');
    expect(roads.total).toBeLessThan(all.total);
    await waitForText(finance, '[data-testid="project-total"]', `共 ${roads.total} 个项目`);
    const types = await finance.locator('table tbody td[data-label="类型"]').allInnerTexts();
    expect(types.length).toBe(roads.items.length);
    expect(new Set(types)).toEqual(new Set(['道路']));
    await c.shot(finance, 'clerk-01-projects');

    await finance.click('table tbody a[href^="#/projects/DEMO-ROAD"]');
    await waitForText(finance, 'h1', '双龙村1公里机耕道硬化');
  });

  test('a project shows its facts, figures, timeline, funding lines and payments as the api answers, and which gates the next payment meets', async () => {
    await openProject(finance, 'DEMO-ROAD');
    const p = await c.apiAs<ProjectApi>(finance, '/projects/DEMO-ROAD');
    expect(await text(finance, '[data-testid="budget"]')).toBe(grouped(p.budget));
    expect(await text(finance, '[data-testid="stage"]')).toBe('进度');
    expect(await text(finance, '[data-testid="percent"]')).toBe(`${p.percentComplete}%`);
    for (const k of ['committed', 'held', 'paid', 'balance'] as const) expect((await text(finance, `[data-figure="${k}"] .value`)).replace(/,/g, '')).toBe(p[k]);
    expect(await finance.locator('ul.timeline > li').count()).toBe(p.milestones.length);
    expect(await text(finance, 'ul.timeline > li[data-kind="approved"]')).toContain('演县扶贫办〔2016〕3号');
    for (const l of p.funding) expect((await text(finance, `[data-allocation="${l.allocationId}"]`)).replace(/,/g, '')).toBe(l.balance);
    for (const x of p.payments) expect(await text(finance, `[data-payment-link="${x.paymentId}"]`)).toBe(x.paymentId);
    expect(await text(finance, `tr:has([data-payment-link="DEMO-PAY-2"]) [data-status]`)).toBe('退票');

    // The gates, from the api's figures by the rules of the domain: started, so no advance; 60% reported,
    // so progress payments up to 60% of the budget less what is claimed, and within one line's balance; no 验收, no final.
    const claimed = fen(p.held) + fen(p.paid);
    const earned = (fen(p.budget) * BigInt(p.percentComplete)) / 100n;
    const line = p.funding.map((l) => fen(l.balance)).reduce((a, b) => (a > b ? a : b));
    const room = [earned - claimed, fen(p.budget) - claimed, line].reduce((a, b) => (a < b ? a : b));
    expect(await finance.getAttribute('[data-installment="progress"]', 'data-max')).toBe(yuanOf(room));
    expect(await finance.getAttribute('[data-installment="advance"]', 'data-max')).toBe('0.00');
    expect(await finance.getAttribute('[data-installment="final"]', 'data-max')).toBe('0.00');
    expect(await text(finance, '[data-installment="advance"]')).toContain('已于 2016-05-20 开工');
    expect(await finance.locator('[data-testid="gates-common"] li[data-met="true"]').count()).toBe(3);

    // As of 2016-05-01 (approved, not started, nothing paid yet): an advance is open, a progress payment is not.
    await visit(finance, '/projects/DEMO-ROAD?asOf=2016-05-01');
    await waitForText(finance, '[data-testid="basis-shown"]', '2016-05-01');
    await finance.waitForSelector('[data-installment="advance"]');
    const then = await c.apiAs<ProjectApi>(finance, '/projects/DEMO-ROAD?asOf=2016-05-01');
    expect(then.paid).toBe('0.00');
    expect(await finance.getAttribute('[data-installment="advance"]', 'data-max')).toBe(yuanOf((fen(then.budget) * 30n) / 100n));
    expect(await finance.getAttribute('[data-installment="progress"]', 'data-max')).toBe('0.00');
    await c.shot(finance, 'clerk-02-project-asof-2016-05-01');
  });

  test('a bad amount is refused in the form, naming the field, and nothing is written; an over-budget request shows the api\'s 422 in Chinese', async () => {
    await openProject(finance, 'DEMO-ROAD');
    const before = await paymentsOf(finance, 'DEMO-ROAD');
    await fillPayment(finance, { paymentId: 'WEB-ROAD-BAD', allocationId: 'DEMO-AL-ROAD-P', installment: 'progress', amount: '12.345', effectiveDate: '2016-08-10',
      purpose: '机耕道硬化工程进度款', ...contractor });
    await finance.click(`${form('payment-form')} button[type="submit"]`);
    const bad = await text(finance, `${form('payment-form')} .error[role="alert"]`);
    expect(bad).toContain('「金额」');
    expect(bad).toMatch(/[\u4e00-\u9fff]/);
    expect((await paymentsOf(finance, 'DEMO-ROAD')).total).toBe(before.total);

    // 300,000 on top of what is claimed passes the 380,000 budget: the api refuses it.
    await fillPayment(finance, { paymentId: 'WEB-ROAD-OVER', allocationId: 'DEMO-AL-ROAD-C', amount: '300000.00' });
    await finance.click(`${form('payment-form')} button[type="submit"]`);
    await finance.waitForSelector(`${form('payment-form')} .error[data-code="exceeds_budget"]`);
    const over = await text(finance, `${form('payment-form')} .error[role="alert"]`);
    expect(over).toMatch(/[\u4e00-\u9fff]/);
    expect(over).toContain('预算');
    expect(over).toContain('金额');
    expect(over).not.toMatch(/exceeds_budget|claimed/);
    expect((await paymentsOf(finance, 'DEMO-ROAD')).total).toBe(before.total);
    await c.shot(finance, 'clerk-03-payment-refused');
  });

  test('报账 through the form, approved in the approver\'s queue, executed by the clerk: the project and the payment show it', async () => {
    await openProject(finance, 'DEMO-ROAD');
    const before = await c.apiAs<ProjectApi>(finance, '/projects/DEMO-ROAD');
    await fillPayment(finance, { paymentId: 'WEB-ROAD-1', allocationId: 'DEMO-AL-ROAD-P', installment: 'progress', amount: '10000.00', effectiveDate: '2016-08-10',
      purpose: '机耕道硬化工程进度款', ...contractor });
    await finance.click(`${form('payment-form')} button[type="submit"]`);
    await waitForText(finance, `${form('payment-form')} .ok`, '已提交报账申请 WEB-ROAD-1');
    await finance.waitForSelector('[data-payment-link="WEB-ROAD-1"]');
    expect(await text(finance, 'tr:has([data-payment-link="WEB-ROAD-1"]) [data-status]')).toBe('待审核');
    const requested = await c.apiAs<PaymentApi>(finance, '/payments/WEB-ROAD-1');
    expect([requested.status, requested.amount, requested.requestedBy]).toEqual(['requested', '10000.00', 'demo-finance']);
    const after = await c.apiAs<ProjectApi>(finance, '/projects/DEMO-ROAD');
    expect(fen(after.held) - fen(before.held)).toBe(1000000n);
    await waitForText(finance, '[data-figure="held"] .value', grouped(after.held));

    // The approver's queue: the request is there, with its requester; approving takes it off.
    await visit(approver, '/queue');
    const card = 'article[data-payment="WEB-ROAD-1"]';
    await approver.waitForSelector(card);
    const queue = await c.apiAs<ListApi<PaymentApi>>(approver, '/payments?queue=mine&limit=50');
    await waitForText(approver, '[data-testid="queue-total"]', `共 ${queue.total} 笔`);
    expect(await approver.locator('article[data-payment]').count()).toBe(queue.items.length);
    expect(await text(approver, `${card} [data-testid="requester"]`)).toBe('demo-finance');
    expect(await text(approver, `${card} [data-testid="amount"]`)).toBe('10,000.00');
    expect(await text(approver, card)).toContain('双龙村1公里机耕道硬化');
    await c.shot(approver, 'clerk-04-queue');
    // A rejection without a reason is stopped in the form.
    await approver.click(`${card} button[name="reject"]`);
    expect(await text(approver, `${card} .error`)).toContain('「意见」');
    expect((await c.apiAs<PaymentApi>(approver, '/payments/WEB-ROAD-1')).status).toBe('requested');
    await approver.fill(`${card} textarea[name="comment"]`, '资料齐全，同意支付进度款');
    await approver.fill(`${card} input[name="effectiveDate"]`, '2016-08-11');
    await approver.click(`${card} button[name="approve"]`);
    await waitForText(approver, '[data-testid="decided"]', '已同意支付 WEB-ROAD-1');
    await approver.waitForSelector(card, { state: 'detached' });
    await waitForText(approver, '[data-testid="queue-total"]', queue.total > 1 ? `共 ${queue.total - 1} 笔` : '没有等待您审核的支付');
    const queueAfter = await c.apiAs<ListApi<PaymentApi>>(approver, '/payments?queue=mine&limit=50');
    expect(queueAfter.items.map((i) => i.paymentId)).not.toContain('WEB-ROAD-1');
    expect(queueAfter.total).toBe(queue.total - 1);
    expect((await c.apiAs<PaymentApi>(approver, '/payments/WEB-ROAD-1')).status).toBe('approved');

    // The clerk executes it.
    await openProject(finance, 'DEMO-ROAD');
    const settle = 'article[data-payment="WEB-ROAD-1"]';
    await finance.waitForSelector(settle);
    await finance.selectOption(`${settle} select[name="channel"]`, 'treasury_direct');
    await finance.fill(`${settle} input[name="bankReference"]`, 'WEB-BR-ROAD-1');
    await finance.fill(`${settle} input[name="date"]`, '2016-08-12');
    await finance.click(`${settle} form[data-testid="execution-form"] button[type="submit"]`);
    await waitForText(finance, 'tr:has([data-payment-link="WEB-ROAD-1"]) [data-status]', '已支付');
    const executed = await c.apiAs<PaymentApi>(finance, '/payments/WEB-ROAD-1');
    expect([executed.status, executed.channel, executed.bankReference]).toEqual(['executed', 'treasury_direct', 'WEB-BR-ROAD-1']);
    const paid = await c.apiAs<ProjectApi>(finance, '/projects/DEMO-ROAD');
    expect(fen(paid.paid) - fen(before.paid)).toBe(1000000n);
    await waitForText(finance, '[data-figure="paid"] .value', grouped(paid.paid));
    expect(await finance.locator(settle).count()).toBe(0);

    // Its own page (built beside this one) says it was paid.
    await finance.click('[data-payment-link="WEB-ROAD-1"]');
    await finance.waitForURL(/#\/payments\/WEB-ROAD-1/);
    await waitForText(finance, 'main', 'WEB-ROAD-1');
    await waitForText(finance, 'main', '已支付');
    await c.shot(finance, 'clerk-05-payment-executed');
  });

  test('a household benefit is requested through the form, approved and paid: the household\'s receipts list it', async () => {
    await openProject(finance, 'DEMO-EDU');
    // A benefit programme pays households once: the form offers the single installment only, to a household.
    expect(await finance.locator(`${form('payment-form')} select[name="installment"] option`).allInnerTexts()).toEqual(['一次性']);
    expect(await finance.inputValue(`${form('payment-form')} select[name="payeeType"]`)).toBe('household');
    expect(await finance.getAttribute('[data-installment="single"]', 'data-max')).not.toBe('0.00');
    await fillPayment(finance, { paymentId: 'WEB-EDU-HH-1', allocationId: 'DEMO-AL-EDU', amount: '1000.00', effectiveDate: '2016-10-10',
      purpose: '义务教育阶段学生生活补助（秋季学期）', payeeId: 'DEMO-HH-1', payeeName: '张德贵', payeeAccount: '6217000011112222333' });
    await finance.click(`${form('payment-form')} button[type="submit"]`);
    await waitForText(finance, `${form('payment-form')} .ok`, '已提交报账申请 WEB-EDU-HH-1');

    await visit(approver, '/queue');
    const card = 'article[data-payment="WEB-EDU-HH-1"]';
    await approver.waitForSelector(card);
    const waiting = (await c.apiAs<ListApi<PaymentApi>>(approver, '/payments?queue=mine&limit=50')).total;
    await approver.fill(`${card} input[name="effectiveDate"]`, '2016-10-11');
    await approver.click(`${card} button[name="approve"]`);
    await approver.waitForSelector(card, { state: 'detached' });
    await waitForText(approver, '[data-testid="queue-total"]', waiting > 1 ? `共 ${waiting - 1} 笔` : '没有等待您审核的支付');
    expect((await c.apiAs<PaymentApi>(approver, '/payments/WEB-EDU-HH-1')).status).toBe('approved');

    await openProject(finance, 'DEMO-EDU');
    const settle = 'article[data-payment="WEB-EDU-HH-1"]';
    await finance.waitForSelector(settle);
    expect(await finance.inputValue(`${settle} select[name="channel"]`)).toBe('one_card');
    await finance.fill(`${settle} input[name="bankReference"]`, 'WEB-BR-EDU-1');
    await finance.fill(`${settle} input[name="date"]`, '2016-10-12');
    await finance.click(`${settle} form[data-testid="execution-form"] button[type="submit"]`);
    await waitForText(finance, 'tr:has([data-payment-link="WEB-EDU-HH-1"]) [data-status]', '已支付');

    const household = await c.apiAs<{ receipts: { paymentId: string; amount: string; kind: string }[] }>(finance, '/households/DEMO-HH-1');
    expect(household.receipts).toContainEqual(expect.objectContaining({ paymentId: 'WEB-EDU-HH-1', amount: '1000.00', kind: 'paid' }));
    await visit(finance, '/households/DEMO-HH-1');
    await waitForText(finance, 'main', 'WEB-EDU-HH-1');
    await c.shot(finance, 'clerk-06-household-receipt');
  });

  test('a milestone recorded through the form appears in the timeline, and moves the gates', async () => {
    await openProject(finance, 'DEMO-ROAD');
    const before = await c.apiAs<ProjectApi>(finance, '/projects/DEMO-ROAD');
    const f = form('milestone-form');
    await finance.selectOption(`${f} select[name="kind"]`, 'progress');
    await finance.fill(`${f} input[name="date"]`, '2016-08-20');
    await finance.fill(`${f} input[name="percentComplete"]`, '80');
    await finance.fill(`${f} input[name="note"]`, '已完成0.8公里');
    await finance.click(`${f} button[type="submit"]`);
    await waitForText(finance, `${f} .ok`, '已记录里程碑“进度”');
    await finance.waitForSelector('ul.timeline > li[data-milestone="DEMO-ROAD-progress-80-2016-08-20"]');
    const li = await text(finance, 'ul.timeline > li[data-milestone="DEMO-ROAD-progress-80-2016-08-20"]');
    expect(li).toContain('2016-08-20');
    expect(li).toContain('完成 80%');
    expect(li).toContain('已完成0.8公里');
    const after = await c.apiAs<ProjectApi>(finance, '/projects/DEMO-ROAD');
    expect(after.milestones.length).toBe(before.milestones.length + 1);
    expect(after.percentComplete).toBe(80);
    await waitForText(finance, '[data-testid="percent"]', '80%');
    const claimed = fen(after.held) + fen(after.paid);
    const line = after.funding.map((l) => fen(l.balance)).reduce((a, b) => (a > b ? a : b));
    const room = [(fen(after.budget) * 80n) / 100n - claimed, fen(after.budget) - claimed, line].reduce((a, b) => (a < b ? a : b));
    expect(await finance.getAttribute('[data-installment="progress"]', 'data-max')).toBe(yuanOf(room));

    // A progress that goes backwards is refused by the api, shown in Chinese.
    await finance.selectOption(`${f} select[name="kind"]`, 'progress');
    await finance.fill(`${f} input[name="date"]`, '2016-08-25');
    await finance.fill(`${f} input[name="percentComplete"]`, '70');
    await finance.click(`${f} button[type="submit"]`);
    await finance.waitForSelector(`${f} .error[data-code="progress_goes_backwards"]`);
    expect((await c.apiAs<ProjectApi>(finance, '/projects/DEMO-ROAD')).milestones.length).toBe(after.milestones.length);
    await c.shot(finance, 'clerk-07-project-milestone');
  });

  test('the forms are the finance bureau\'s only; the pages read at 390 px', async () => {
    const phone = await c.newPage({ width: 390, height: 844 });
    await c.signIn(phone, 'approver');
    await visit(phone, '/projects/DEMO-ROAD');
    await phone.waitForSelector('[data-testid="timeline"]');
    expect(await phone.locator('form[data-testid]').count()).toBe(0);
    await c.shot(phone, 'clerk-08-project-approver-phone');
    await visit(phone, '/queue');
    await phone.waitForSelector('[data-testid="queue-total"]');
    await c.shot(phone, 'clerk-09-queue-phone');
    const width = await phone.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await phone.close();

    const clerkPhone = await c.newPage({ width: 390, height: 844 });
    await c.signIn(clerkPhone, 'finance');
    await visit(clerkPhone, '/projects/DEMO-ROAD');
    await clerkPhone.waitForSelector(form('payment-form'));
    expect(await clerkPhone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await c.shot(clerkPhone, 'clerk-10-project-finance-phone');
    await clerkPhone.close();
  });

  test('no page threw, and nothing was fetched from anywhere but the api', () => {
    expect(c.requests.filter((u) => u.startsWith('pageerror'))).toEqual([]);
    expect(c.requests.filter((u) => !u.startsWith(c.url) && !u.startsWith('data:') && !u.startsWith('pageerror'))).toEqual([]);
  });
});
