import { formatFen, withCheckDigit } from '@yuantrace/domain';
import { Random } from './random';

/**
 * A synthetic county, deterministic by seed, after DOMAIN.md §6: a fictional province 99 (no
 * code or identity number can be a real one), townships and villages, registered households
 * with members, fund batches down the levels by source, village projects by type with their
 * milestones and staged payments, education subsidies and pairing gifts to households, exits,
 * removals, failed and re-paid transfers, reversals, and unspent money returned at year end.
 *
 * The output is a stream of commands, not events: the loader feeds each through the same
 * services the HTTP api uses, so every decider's rule applies. Beside it a manifest states the
 * totals the loaded books must show.
 */
export type Preset = 'tiny' | 'demo' | 'county';
export type Command = { op: string; [key: string]: unknown };

const PRESETS: Record<Preset, { townships: number; villagesPerTownship: number; households: number; years: number[]; projectsPerVillageYear: number }> = {
  tiny: { townships: 2, villagesPerTownship: 3, households: 250, years: [2015, 2016, 2017], projectsPerVillageYear: 1 },
  demo: { townships: 6, villagesPerTownship: 8, households: 7000, years: [2014, 2015, 2016, 2017, 2018, 2019, 2020], projectsPerVillageYear: 2 },
  county: { townships: 11, villagesPerTownship: 10, households: 50000, years: [2014, 2015, 2016, 2017, 2018, 2019, 2020], projectsPerVillageYear: 3 },
};

/** Village project types and median sizes in yuan (DOMAIN.md §6.7). */
const PROJECT_TYPES: ReadonlyArray<readonly [string, number]> = [['INDUSTRY', 55], ['ROAD', 15], ['WATER', 10], ['TRAINING_TECH', 15], ['VILLAGE_FACILITY', 5]];
const MEDIAN_YUAN: Record<string, number> = { INDUSTRY: 400000, ROAD: 950000, WATER: 80000, TRAINING_TECH: 50000, VILLAGE_FACILITY: 100000 };
/** Exit shares by year for the mountain archetype (DOMAIN.md §6.5). */
const EXIT_SHARE: Record<number, number> = { 2014: 0.08, 2015: 0.14, 2016: 0.24, 2017: 0.26, 2018: 0.22, 2019: 0.05, 2020: 0.01 };
const CATEGORIES: ReadonlyArray<readonly [string, number]> = [['general', 59.8], ['dibao_poor', 17.1], ['dibao_only', 16.0], ['wubao', 7.1]];
const CAUSES: ReadonlyArray<readonly [string, number]> = [['ILLNESS', 40], ['DISABILITY', 14], ['LACK_OF_LABOUR', 12], ['LACK_OF_CAPITAL', 10],
  ['LACK_OF_SKILLS', 8], ['EDUCATION', 7], ['DISASTER', 4], ['REMOTENESS', 2], ['UNSAFE_HOUSING', 2], ['FOOD_SHORTAGE', 1]];
/** Place names; the first township and its first two villages are those of the hand-written demo. */
const TOWNSHIPS = ['双龙乡', '寨市乡', '白河镇', '灵台乡', '黔江镇', '法库乡', '指南镇', '合心乡', '利民镇', '高埗乡', '樟坑镇'];
const VILLAGES = ['双龙村', '指南村', '合心村', '利民村', '樟坑村', '杨家沟村', '赵家湾村', '石门村', '青山村', '柳树村', '桃园村', '新华村'];
const SURNAMES = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
const GIVEN = ['德贵', '秀英', '建国', '玉兰', '国强', '桂芳', '小燕', '志明', '海燕', '文华', '春梅', '永福', '丽娟', '金生', '明亮', '红霞'];

export type Manifest = {
  preset: Preset;
  seed: number;
  commands: number;
  households: number;
  /** Expected totals in yuan, from the generator's own arithmetic. */
  totals: {
    appropriatedBySource: Record<string, string>;
    paidBySourceAndYear: Record<string, string>;
    paidToHouseholds: string;
    householdsReached: number;
    countyReceived: string;
    countyPaid: string;
  };
};

type Person = { name: string; idNumber: string; birthYear: number; relation: string };
type Household = { id: string; village: string; members: Person[]; registeredOn: string; removedOn?: string; exitedOn?: string; account: string };

/** `over` shrinks a preset for tests (fewer households or years); the output stays deterministic. */
export function generate(preset: Preset, seed: number, over: Partial<(typeof PRESETS)[Preset]> = {}): { commands: Command[]; manifest: Manifest } {
  const p = { ...PRESETS[preset], ...over };
  const r = new Random(seed);
  const out: Command[] = [];
  const emit = (c: Command) => out.push(c);
  const yuan = (fen: bigint) => formatFen(fen);
  const appropriated = new Map<string, bigint>();
  const paid = new Map<string, bigint>();
  const paidHouseholds = new Map<string, bigint>();
  let countyReceived = 0n;
  const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);
  let paymentSeq = 0;
  const nextPaymentId = () => `G-PAY-${String(++paymentSeq).padStart(7, '0')}`;

  // Geography: 演示省 / 演示市 / 演示县 and its townships and villages.
  const PROVINCE = '990000000000', CITY = '990100000000', COUNTY = '990101000000';
  emit({ op: 'unit', code: PROVINCE, name: '演示省', level: 'province', parentCode: null });
  emit({ op: 'unit', code: CITY, name: '演示市', level: 'city', parentCode: PROVINCE });
  emit({ op: 'unit', code: COUNTY, name: '演示县', level: 'county', parentCode: CITY });
  const villages: string[] = [];
  for (let t = 1; t <= p.townships; t++) {
    const township = `990101${String(t).padStart(3, '0')}000`;
    emit({ op: 'unit', code: township, name: TOWNSHIPS[t - 1] ?? `第${t}乡`, level: 'township', parentCode: COUNTY });
    for (let v = 1; v <= p.villagesPerTownship; v++) {
      const village = `990101${String(t).padStart(3, '0')}${String(v).padStart(3, '0')}`;
      villages.push(village);
      emit({ op: 'unit', code: village, name: t === 1 ? (VILLAGES[v - 1] ?? `第${v}村`) : `${TOWNSHIPS[t - 1] ?? `第${t}乡`}${VILLAGES[(v + t) % VILLAGES.length]}`,
        level: 'village', parentCode: township });
    }
  }

  // Households with members; identity numbers unique, in province 99, with valid check digits.
  const usedIds = new Set<string>();
  const idFor = (birth: string) => {
    for (let seq = r.int(1, 999); ; seq = (seq % 999) + 1) {
      const id = withCheckDigit(`990101${birth.replace(/-/g, '')}${String(seq).padStart(3, '0')}`);
      if (!usedIds.has(id)) {
        usedIds.add(id);
        return id;
      }
    }
  };
  const birthOf = (year: number) => `${year}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
  const name = () => r.pick(SURNAMES) + r.pick(GIVEN);
  const households: Household[] = [];
  const firstYear = p.years[0];
  for (let i = 0; i < p.households; i++) {
    const category = r.weighted(CATEGORIES);
    const size = category === 'wubao' ? 1 : r.int(2, 6);
    const headYear = category === 'wubao' ? r.int(1930, 1955) : r.int(1950, 1985);
    const members: Person[] = [{ name: name(), idNumber: idFor(birthOf(headYear)), birthYear: headYear, relation: 'head' }];
    for (let m = 1; m < size; m++) {
      const relation = m === 1 ? 'spouse' : r.chance(0.75) ? 'child' : 'parent';
      const year = relation === 'spouse' ? headYear + r.int(-3, 3) : relation === 'child' ? r.int(Math.max(headYear + 20, 1995), 2012) : r.int(1925, 1950);
      members.push({ name: name(), idNumber: idFor(birthOf(year)), birthYear: year, relation });
    }
    const registeredOn = `${firstYear - 1}-${String(r.int(10, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
    const h: Household = { id: `G-HH-${String(i + 1).padStart(6, '0')}`, village: r.pick(villages), members, registeredOn,
      account: `6217${String(1e14 + i * 7919 + seed).slice(-15)}` };
    households.push(h);
    emit({ op: 'household', householdId: h.id, unitCode: h.village, head: { name: members[0].name, idNumber: members[0].idNumber },
      members: members.slice(1).map((x) => ({ name: x.name, idNumber: x.idNumber, relation: x.relation })),
      category, causes: [r.weighted(CAUSES)], registeredOn });
  }

  // Pays one payment through its whole life; some fail at the bank (and are paid again), a few are reversed.
  const payFully = (c: { projectId: string; allocationId: string; amount: bigint; installment: string; date: string; payee: Record<string, unknown>; source: string; year: number;
    householdId?: string }): bigint => {
    let id = nextPaymentId();
    emit({ op: 'payment', paymentId: id, projectId: c.projectId, allocationId: c.allocationId, amount: yuan(c.amount), purpose: c.installment === 'single' ? '补助' : '工程款',
      installment: c.installment, effectiveDate: c.date, payee: c.payee });
    emit({ op: 'approve', paymentId: id, effectiveDate: c.date });
    if (r.chance(0.01)) {
      emit({ op: 'fail', paymentId: id, reason: '账户名与账号不符', effectiveDate: c.date });
      const failed = id;
      id = nextPaymentId();
      emit({ op: 'payment', paymentId: id, projectId: c.projectId, allocationId: c.allocationId, amount: yuan(c.amount), purpose: '重新支付',
        installment: c.installment, effectiveDate: c.date, payee: c.payee, replacesPaymentId: failed });
      emit({ op: 'approve', paymentId: id, effectiveDate: c.date });
    }
    emit({ op: 'execute', paymentId: id, channel: c.householdId ? 'one_card' : 'treasury_direct', bankReference: `BR-${id}`, effectiveDate: c.date });
    if (c.installment === 'single' && r.chance(0.005)) {
      emit({ op: 'reverse', paymentId: id, reason: '重复申报，追回', effectiveDate: c.date, documentNo: `县纪发〔${c.year}〕${paymentSeq}号` });
      return 0n;
    }
    add(paid, `${c.source}:${c.year}`, c.amount);
    if (c.householdId) add(paidHouseholds, c.householdId, c.amount);
    return c.amount;
  };

  for (const year of p.years) {
    const active = households.filter((h) => !h.removedOn);
    // Village projects for the year, sized by type; their budgets decide the appropriations.
    type Plan = { id: string; village: string; type: string; budget: bigint; source: 'CENTRAL_SPECIAL_POVERTY' | 'PROVINCIAL_POVERTY'; failsFirst: boolean };
    const plans: Plan[] = [];
    for (const village of villages) {
      const n = Math.max(0, Math.min(6, r.poisson(p.projectsPerVillageYear)));
      for (let k = 0; k < n; k++) {
        const type = r.weighted(PROJECT_TYPES);
        const budgetYuan = Math.max(10000, Math.min(MEDIAN_YUAN[type] * 6, Math.round(r.lognormal(MEDIAN_YUAN[type], 0.5) / 100) * 100));
        plans.push({ id: `G-PRJ-${year}-${village.slice(6)}-${k + 1}`, village, type, budget: BigInt(budgetYuan) * 100n,
          source: type === 'INDUSTRY' ? 'PROVINCIAL_POVERTY' : 'CENTRAL_SPECIAL_POVERTY', failsFirst: r.chance(0.03) });
      }
    }
    const students = (h: Household) => h.members.reduce((s, m) => {
      const age = year - m.birthYear;
      return s + (age >= 6 && age <= 12 ? 100000n : age >= 13 && age <= 18 ? 200000n : 0n);
    }, 0n);
    const eduTotal = active.reduce((s, h) => s + students(h), 0n);
    const pairTotal = BigInt(active.length) * 50000n;
    // Appropriations: central and provincial poverty funds to the province, then to the county, with a little slack;
    // the county's own budget pays the education subsidies; pairing units pay 500 元 gifts.
    const need = (src: string) => plans.filter((x) => x.source === src).reduce((s, x) => s + x.budget, 0n);
    const roots: Array<[string, string, string, bigint, string]> = [
      ['CENTRAL_SPECIAL_POVERTY', 'CENTRAL', `G-CEN-${year}`, need('CENTRAL_SPECIAL_POVERTY') + 10000000n, PROVINCE],
      ['PROVINCIAL_POVERTY', 'PROVINCIAL', `G-PRV-${year}`, need('PROVINCIAL_POVERTY') + 5000000n, PROVINCE],
      ['COUNTY_BUDGET', 'COUNTY', `G-EDU-${year}`, eduTotal + 100000n, COUNTY],
      ['PAIRING_UNIT', 'NON_GOV', `G-PAIR-${year}`, pairTotal + 100000n, COUNTY],
    ];
    const countyBatch: Record<string, string> = {};
    for (const [source, level, batchId, amount, unit] of roots) {
      emit({ op: 'batch', batchId, documentNo: `${level === 'CENTRAL' ? '财农' : level === 'PROVINCIAL' ? '演财农' : '演县财'}〔${year}〕${r.int(1, 99)}号`,
        title: `${year}年${source}资金`, source, issuerLevel: level, recipientUnitCode: unit, fiscalYear: year, amount: yuan(amount),
        effectiveDate: `${year}-0${r.int(1, 3)}-${String(r.int(1, 28)).padStart(2, '0')}`, purpose: '精准扶贫', countsTowardHouseholdShare: source !== 'PROVINCIAL_POVERTY' });
      add(appropriated, source, amount);
      if (unit === PROVINCE) {
        const child = `${batchId}-CTY`;
        emit({ op: 'allocate', batchId, allocationId: `${batchId}-A-CTY`, target: { type: 'batch', batchId: child, recipientUnitCode: COUNTY }, amount: yuan(amount),
          effectiveDate: `${year}-04-01`, documentNo: `演财农〔${year}〕${r.int(100, 199)}号` });
        countyBatch[source] = child;
      } else countyBatch[source] = batchId;
      countyReceived += amount;
    }
    // Projects: 立项, 公示, allocation, advance, start, progress, completion, acceptance (3% fail first), final payment, hand-over.
    const unspent = new Map<string, bigint>();
    for (const plan of plans) {
      const batchId = countyBatch[plan.source];
      const allocationId = `${plan.id}-AL`;
      emit({ op: 'project', projectId: plan.id, name: `${plan.type} 项目 ${plan.id.slice(-6)}`, type: plan.type, unitCode: plan.village, implementer: '村民委员会',
        budget: yuan(plan.budget), plannedStart: `${year}-05-01`, plannedEnd: `${year}-10-31` });
      const ms = (kind: string, date: string, extra: object = {}) => emit({ op: 'milestone', projectId: plan.id, milestoneId: `${plan.id}-${kind}-${date}`, kind, date, ...extra });
      ms('approved', `${year}-04-10`, { documentNo: `演县扶贫办〔${year}〕${r.int(1, 300)}号` });
      ms('publicized', `${year}-04-11`, { publicUntil: `${year}-04-18` });
      emit({ op: 'allocate', batchId, allocationId, target: { type: 'project', projectId: plan.id }, amount: yuan(plan.budget), effectiveDate: `${year}-04-20`,
        documentNo: `演县财发〔${year}〕${r.int(1, 300)}号` });
      const payee = { type: 'contractor', id: `G-CT-${plan.village.slice(6)}`, name: '演示县建设工程有限公司', account: `6222${plan.village.slice(4)}` };
      const advance = (plan.budget * 30n) / 100n;
      const progress = (plan.budget * 40n) / 100n;
      const final = plan.budget - advance - progress;
      let spent = payFully({ projectId: plan.id, allocationId, amount: advance, installment: 'advance', date: `${year}-04-25`, payee, source: plan.source, year });
      ms('started', `${year}-05-05`);
      ms('progress', `${year}-07-01`, { percentComplete: 75 });
      spent += payFully({ projectId: plan.id, allocationId, amount: progress, installment: 'progress', date: `${year}-07-05`, payee, source: plan.source, year });
      ms('completed', `${year}-10-20`);
      if (plan.failsFirst) ms('accepted', `${year}-10-25`, { result: 'failed' });
      ms('accepted', `${year}-11-05`, { result: 'passed' });
      spent += payFully({ projectId: plan.id, allocationId, amount: final, installment: 'final', date: `${year}-11-15`, payee, source: plan.source, year });
      ms('handed_over', `${year}-12-01`);
      unspent.set(`${batchId}|${allocationId}`, plan.budget - spent);
    }
    // Household benefits: education subsidies in September (1,000 / 2,000 元 per pupil), pairing gifts of 500 元 before 春节.
    const benefit = (kind: 'EDU' | 'PAIR', total: bigint, pay: (h: Household) => bigint, date: string) => {
      if (total === 0n) return;
      const projectId = `G-${kind}-${year}`;
      const batchId = kind === 'EDU' ? countyBatch.COUNTY_BUDGET : countyBatch.PAIRING_UNIT;
      const source = kind === 'EDU' ? 'COUNTY_BUDGET' : 'PAIRING_UNIT';
      emit({ op: 'project', projectId, name: kind === 'EDU' ? `${year}年建档立卡学生资助` : `${year}年结对帮扶慰问`, type: kind === 'EDU' ? 'EDUCATION' : 'RELIEF',
        unitCode: COUNTY, implementer: kind === 'EDU' ? '县教育局' : '县扶贫办', budget: yuan(total), plannedStart: `${year}-01-01`, plannedEnd: `${year}-12-31` });
      emit({ op: 'milestone', projectId, milestoneId: `${projectId}-approved`, kind: 'approved', date: `${year}-08-01`, documentNo: `演县〔${year}〕${kind}号` });
      // The beneficiary list is publicized for a week before anything is paid (R-10).
      emit({ op: 'milestone', projectId, milestoneId: `${projectId}-publicized`, kind: 'publicized', date: `${year}-08-02`, publicUntil: `${year}-08-09` });
      emit({ op: 'allocate', batchId, allocationId: `${projectId}-AL`, target: { type: 'project', projectId }, amount: yuan(total), effectiveDate: `${year}-08-05`,
        documentNo: `演县财发〔${year}〕${kind}号` });
      let spent = 0n;
      for (const h of active) {
        const amount = pay(h);
        if (amount === 0n) continue;
        spent += payFully({ projectId, allocationId: `${projectId}-AL`, amount, installment: 'single', date, source, year, householdId: h.id,
          payee: { type: 'household', id: h.id, name: h.members[0].name, account: h.account } });
      }
      unspent.set(`${batchId}|${projectId}-AL`, total - spent);
    };
    benefit('EDU', eduTotal, students, `${year}-09-15`);
    benefit('PAIR', pairTotal, () => 50000n, `${year}-12-20`);
    // Year end: unspent commitments back to their batches, and the county's unspent balances back up (结余退回).
    for (const [key, amount] of unspent) {
      if (amount <= 0n) continue;
      const [batchId, allocationId] = key.split('|');
      emit({ op: 'return', batchId, returnId: `${allocationId}-RT`, amount: yuan(amount), reason: '项目结余退回', effectiveDate: `${year}-12-25`, allocationId });
    }
    for (const [source, , batchId, amount] of roots) {
      const planned = source === 'CENTRAL_SPECIAL_POVERTY' || source === 'PROVINCIAL_POVERTY' ? need(source) : source === 'COUNTY_BUDGET' ? eduTotal : pairTotal;
      const left = amount - planned + [...unspent].filter(([k]) => k.startsWith(`${countyBatch[source]}|`)).reduce((s, [, v]) => s + v, 0n);
      if (left > 0n && countyBatch[source] !== batchId) {
        emit({ op: 'return', batchId: countyBatch[source], returnId: `${countyBatch[source]}-RT`, amount: yuan(left), reason: '年终结余退回', effectiveDate: `${year}-12-28` });
        countyReceived -= left;
      }
    }
    // Exits (脱贫) along the exit curve, and 1% removals (剔除) for 九不纳入, in December.
    for (const h of active) {
      if (!h.exitedOn && r.chance(EXIT_SHARE[year] ?? 0.02)) {
        h.exitedOn = `${year}-12-10`;
        emit({ op: 'householdStatus', householdId: h.id, status: 'exited', date: h.exitedOn, reason: '人均纯收入稳定超过贫困线，两不愁三保障实现' });
      } else if (r.chance(0.01)) {
        h.removedOn = `${year}-12-28`;
        emit({ op: 'householdStatus', householdId: h.id, status: 'removed', date: h.removedOn, reason: '家庭成员为财政供养人员（九不纳入）' });
      }
    }
  }

  const sortObj = (m: Map<string, bigint>) => Object.fromEntries([...m.entries()].sort().map(([k, v]) => [k, yuan(v)]));
  const totalPaid = [...paid.values()].reduce((s, v) => s + v, 0n);
  return {
    commands: out,
    manifest: {
      preset, seed, commands: out.length, households: households.length,
      totals: {
        appropriatedBySource: sortObj(appropriated),
        paidBySourceAndYear: sortObj(paid),
        paidToHouseholds: yuan([...paidHouseholds.values()].reduce((s, v) => s + v, 0n)),
        householdsReached: [...paidHouseholds.values()].filter((v) => v > 0n).length,
        countyReceived: yuan(countyReceived),
        countyPaid: yuan(totalPaid),
      },
    },
  };
}
