import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { parseYuan, withCheckDigit, type Principal } from '@yuantrace/domain';
import { EventStore } from '@yuantrace/event-store';
import { TokenService } from '@yuantrace/ledger';
import { DEMO_PRINCIPALS } from '@yuantrace/ledger';
import { LedgerService, type Caller } from '@yuantrace/ledger';
import { generate, loadCommands, type AppConfig, type Storage } from '@yuantrace/ledger';
import { BulkLoadEventStore, PostgresEventStore } from '@yuantrace/event-store';
import { createApp } from '../app';

const who = (role: string): Caller => ({ principal: DEMO_PRINCIPALS.find((p) => p.role === role) as Principal, correlationId: 'demo-data' });

/**
 * First start of an empty embedded store: the tiny generated county, loaded through the deciders
 * on the bulk path by a short-lived app that hands the storage on. Used by main.ts and by the web
 * console's browser tests, so both see the same county.
 */
export async function loadDemoCounty(config: AppConfig, storage: Storage): Promise<boolean> {
  if ((await storage.store.lastPosition()) || !(storage.store instanceof PostgresEventStore)) return false;
  const logger = new Logger('demo');
  const started = Date.now();
  const bulk = await BulkLoadEventStore.over(storage.store);
  const loader = await createApp({ ...config, runProjections: false }, { storage: { db: storage.db, store: bulk }, ownsStorage: false });
  const { commands } = generate('tiny', 1);
  await loadCommands(loader, 'demo-tiny-1', commands, undefined, 5000);
  await loader.close();
  // The loader hands the storage on, not its bulk writer: on a server that is a thread with a connection of its own.
  await bulk.close();
  logger.log(`loaded the tiny demo county (${commands.length} commands) in ${((Date.now() - started) / 1000).toFixed(1)} s; DEMO_DATA=off skips this`);
  return true;
}

/**
 * A small demo county, written through the same commands a finance bureau uses (no shortcut
 * around the deciders): 演示省 → 演示市 → 演示县 → 双龙乡 → two villages; a central and a
 * provincial appropriation down to the county; a 1 km 机耕道 (38万元) funded from both; payments
 * in every state. Loaded once, on the first start of an empty embedded store.
 */
export async function loadDemoData(app: INestApplication): Promise<boolean> {
  const store = app.get(EventStore);
  if ((await store.readStream('fundbatch-DEMO-CEN-2016', { maxCount: 1 })).length > 0) return false;
  const ledger = app.get(LedgerService);
  const fin = who('finance');
  const appr = who('approver');
  const units = [
    { code: '990000000000', name: '演示省', level: 'province' as const, parentCode: null },
    { code: '990100000000', name: '演示市', level: 'city' as const, parentCode: '990000000000' },
    { code: '990101000000', name: '演示县', level: 'county' as const, parentCode: '990100000000' },
    { code: '990101001000', name: '双龙乡', level: 'township' as const, parentCode: '990101000000' },
    { code: '990101001001', name: '双龙村', level: 'village' as const, parentCode: '990101001000' },
    { code: '990101001002', name: '指南村', level: 'village' as const, parentCode: '990101001000' },
  ];
  for (const u of units) await ledger.registerAdminUnit(fin, u);
  const base = { title: '关于下达2016年财政专项扶贫资金的通知', recipientUnitCode: '990000000000', fiscalYear: 2016, effectiveDate: '2016-03-01',
    purpose: '小型公益设施建设', countsTowardHouseholdShare: true };
  // Amounts that move on: the showcase raises no red flag of its own (no batch more than half idle 90 days
  // after receipt, R-24), so the alerts on the desk are the generated county's injected ones.
  await ledger.issueBatch(fin, { ...base, batchId: 'DEMO-CEN-2016', documentNo: '财农〔2016〕18号', source: 'CENTRAL_SPECIAL_POVERTY', issuerLevel: 'CENTRAL', amount: parseYuan('500000.00'),
    lineItems: [{ label: '村级道路', amount: parseYuan('300000.00') }, { label: '农村饮水', amount: parseYuan('55000.00') }, { label: '待分配', amount: parseYuan('145000.00') }] });
  await ledger.issueBatch(fin, { ...base, batchId: 'DEMO-PRV-2016', documentNo: '演财农〔2016〕9号', source: 'PROVINCIAL_POVERTY', issuerLevel: 'PROVINCIAL', amount: parseYuan('100000.00') });
  await ledger.allocate(fin, 'DEMO-CEN-2016', { allocationId: 'DEMO-AL-CEN-CTY', target: { type: 'batch', batchId: 'DEMO-CEN-2016-CTY', recipientUnitCode: '990101000000' },
    amount: parseYuan('500000.00'), effectiveDate: '2016-03-15', documentNo: '演财农〔2016〕12号' });
  await ledger.allocate(fin, 'DEMO-PRV-2016', { allocationId: 'DEMO-AL-PRV-CTY', target: { type: 'batch', batchId: 'DEMO-PRV-2016-CTY', recipientUnitCode: '990101000000' },
    amount: parseYuan('100000.00'), effectiveDate: '2016-03-15', documentNo: '演财农〔2016〕13号' });
  const project = { implementer: '双龙村村民委员会', plannedStart: '2016-05-01', plannedEnd: '2016-10-31' };
  await ledger.proposeProject(fin, { ...project, projectId: 'DEMO-ROAD', name: '双龙村1公里机耕道硬化', type: 'ROAD', unitCode: '990101001001', budgetFen: '38000000' });
  await ledger.proposeProject(fin, { ...project, projectId: 'DEMO-WELL', name: '指南村古井改造', type: 'WATER', unitCode: '990101001002', budgetFen: '5500000' });
  const ms = (projectId: string, milestoneId: string, kind: 'approved' | 'publicized' | 'started' | 'progress', date: string, extra: object = {}) =>
    ledger.recordMilestone(fin, projectId, { milestoneId, kind, date, percentComplete: null, result: null, publicUntil: null, documentNo: null, note: null, ...extra });
  await ms('DEMO-ROAD', 'DEMO-ROAD-approved', 'approved', '2016-04-05', { documentNo: '演县扶贫办〔2016〕3号' });
  await ms('DEMO-ROAD', 'DEMO-ROAD-publicized', 'publicized', '2016-04-06', { publicUntil: '2016-04-13' });
  await ms('DEMO-WELL', 'DEMO-WELL-approved', 'approved', '2016-04-05', { documentNo: '演县扶贫办〔2016〕4号' });
  await ms('DEMO-WELL', 'DEMO-WELL-publicized', 'publicized', '2016-04-06', { publicUntil: '2016-04-13' });
  const commit = (batchId: string, allocationId: string, projectId: string, amount: string) =>
    ledger.allocate(fin, batchId, { allocationId, target: { type: 'project', projectId }, amount: parseYuan(amount), effectiveDate: '2016-04-01', documentNo: '演县财发〔2016〕7号' });
  await commit('DEMO-CEN-2016-CTY', 'DEMO-AL-ROAD-C', 'DEMO-ROAD', '300000.00');
  await commit('DEMO-PRV-2016-CTY', 'DEMO-AL-ROAD-P', 'DEMO-ROAD', '80000.00');
  await commit('DEMO-CEN-2016-CTY', 'DEMO-AL-WELL', 'DEMO-WELL', '55000.00');
  const payee = { type: 'contractor', id: 'DEMO-CT-1', name: '演示县通达建筑工程有限公司', account: '6222020200112233445' };
  const pay = (paymentId: string, projectId: string, allocationId: string, amount: string, installment: string, effectiveDate: string) =>
    ledger.requestPayment(fin, { paymentId, projectId, allocationId, payee, amount: parseYuan(amount), purpose: '工程款', installment, effectiveDate });
  await pay('DEMO-PAY-1', 'DEMO-ROAD', 'DEMO-AL-ROAD-C', '114000.00', 'advance', '2016-05-10');
  await ledger.decidePayment(appr, 'DEMO-PAY-1', { approved: true, comment: '同意预付30%', effectiveDate: '2016-05-12' });
  await ledger.executePayment(fin, 'DEMO-PAY-1', { channel: 'treasury_direct', bankReference: 'DEMO-BR-1', effectiveDate: '2016-05-15' });
  await ms('DEMO-ROAD', 'DEMO-ROAD-started', 'started', '2016-05-20');
  await ms('DEMO-ROAD', 'DEMO-ROAD-progress-60', 'progress', '2016-07-30', { percentComplete: 60 });
  await pay('DEMO-PAY-2', 'DEMO-ROAD', 'DEMO-AL-ROAD-P', '80000.00', 'progress', '2016-08-01');
  await ledger.decidePayment(appr, 'DEMO-PAY-2', { approved: true, comment: '同意', effectiveDate: '2016-08-02' });
  await ledger.failPayment(fin, 'DEMO-PAY-2', { reason: '账户名与账号不符', effectiveDate: '2016-08-03' });
  // Requested, not yet approved: an advance before work starts, within 30% of the budget.
  await pay('DEMO-PAY-3', 'DEMO-WELL', 'DEMO-AL-WELL', '16500.00', 'advance', '2016-09-01');
  // Two registered households (fictional province 99, so no identity number can be a real person's) and an education subsidy.
  await ledger.registerHousehold(fin, { householdId: 'DEMO-HH-1', unitCode: '990101001001', head: { name: '张德贵', idNumber: withCheckDigit('99010119680312001') },
    members: [{ name: '张小燕', idNumber: withCheckDigit('99010120060908002'), relation: 'child' }], category: 'general', causes: ['ILLNESS', 'EDUCATION'], registeredOn: '2015-10-20' });
  await ledger.registerHousehold(fin, { householdId: 'DEMO-HH-2', unitCode: '990101001001', head: { name: '李秀英', idNumber: withCheckDigit('99010119450101003') },
    members: [], category: 'wubao', causes: ['LACK_OF_LABOUR'], registeredOn: '2015-10-20' });
  await ledger.issueBatch(fin, { ...base, effectiveDate: '2016-08-15', batchId: 'DEMO-EDU-2016', documentNo: '演县教发〔2016〕5号', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
    recipientUnitCode: '990101000000', title: '2016年建档立卡贫困家庭学生资助资金', purpose: '教育扶贫', amount: parseYuan('20000.00') });
  await ledger.proposeProject(fin, { projectId: 'DEMO-EDU', name: '2016年秋季学期建档立卡学生资助', type: 'EDUCATION', unitCode: '990101000000',
    implementer: '演示县教育局', budgetFen: '2000000', plannedStart: '2016-09-01', plannedEnd: '2016-12-31' });
  await ms('DEMO-EDU', 'DEMO-EDU-approved', 'approved', '2016-08-20', { documentNo: '演县教发〔2016〕6号' });
  // A benefit programme pays only after its 公示 of the beneficiary list has run its full week.
  await ms('DEMO-EDU', 'DEMO-EDU-publicized', 'publicized', '2016-08-21', { publicUntil: '2016-08-28' });
  await ledger.allocate(fin, 'DEMO-EDU-2016', { allocationId: 'DEMO-AL-EDU', target: { type: 'project', projectId: 'DEMO-EDU' }, amount: parseYuan('20000.00'),
    effectiveDate: '2016-08-25', documentNo: '演县教发〔2016〕6号' });
  await ledger.requestPayment(fin, { paymentId: 'DEMO-EDU-HH-1', projectId: 'DEMO-EDU', allocationId: 'DEMO-AL-EDU', amount: parseYuan('1000.00'),
    payee: { type: 'household', id: 'DEMO-HH-1', name: '张德贵', account: '6217000011112222333' }, purpose: '义务教育阶段学生生活补助', installment: 'single', effectiveDate: '2016-09-15' });
  await ledger.decidePayment(appr, 'DEMO-EDU-HH-1', { approved: true, comment: '', effectiveDate: '2016-09-16' });
  await ledger.executePayment(fin, 'DEMO-EDU-HH-1', { channel: 'one_card', bankReference: 'DEMO-BR-EDU-1', effectiveDate: '2016-09-20' });
  return true;
}

export function printDemoTokens(app: INestApplication) {
  const tokens = app.get(TokenService);
  const logger = new Logger('demo');
  logger.log('demo principals (npm run cli -- demo-tokens prints these again):');
  for (const p of DEMO_PRINCIPALS) logger.log(`${p.role.padEnd(9)} ${p.id} scope ${p.scope}: Bearer ${tokens.issue(p)}`);
}
