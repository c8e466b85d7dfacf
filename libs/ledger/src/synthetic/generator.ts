import { formatFen, PROJECT_TYPE_NAMES, SOURCE_NAMES, withCheckDigit } from '@yuantrace/domain';
import { INJECTED_VARIANTS, type Anomaly } from './anomalies';
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
  /** Anomalies injected, per rule/variant (the anomalies file lists each; legacy records move no money and are in no total). */
  anomalies?: Record<string, number>;
};


type Person = { name: string; idNumber: string; birthYear: number; relation: string };
type Household = { id: string; village: string; members: Person[]; registeredOn: string; removedOn?: string; exitedOn?: string; account: string };
type RosterPerson = { personId: string; name: string; role: 'village_cadre' | 'helper' | 'work_team_member' | 'first_secretary'; unitCode: string; idNumber: string;
  account?: string; from: string; relatives: Array<{ name: string; idNumber: string; relation: string }> };
/** Every payment the generator requests, for gathering the payments an anomaly is about. */
type PaymentRecord = { paymentId: string; projectId: string; householdId?: string; date: string };

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const RELATIONS = ['配偶', '子女', '父亲', '母亲', '兄弟', '姐妹', '表亲'];

/**
 * `over` shrinks a preset for tests (fewer households or years); the output stays deterministic.
 *
 * Beside the commands, the anomalies injected into them (anomalies.ts): a few of each red flag
 * the detectors look for, at about DOMAIN.md §6.10's rates and at least two of each in every
 * preset. Everything else is clean under the detectors' rules: batches move their money on
 * within 30 days and hold less than half of it idle after 90, projects pay after a 公示 of a
 * week, benefits follow their standards and caps, individuals are paid by card.
 */
export function generate(preset: Preset, seed: number, over: Partial<(typeof PRESETS)[Preset]> = {}): { commands: Command[]; manifest: Manifest; anomalies: Anomaly[] } {
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
  const payments: PaymentRecord[] = [];
  const byHousehold = new Map<string, PaymentRecord[]>();
  const byProject = new Map<string, PaymentRecord[]>();
  const record = (x: PaymentRecord) => {
    payments.push(x);
    for (const [m, k] of [[byHousehold, x.householdId], [byProject, x.projectId]] as const) {
      if (k === undefined) continue;
      const list = m.get(k);
      if (list) list.push(x);
      else m.set(k, [x]);
    }
  };
  const anomalies: Anomaly[] = [];
  const anomaly = (ruleId: string, variant: string, subjectRefs: string[], description: string, legacy = false) =>
    anomalies.push({ anomalyId: '', ruleId, variant, subjectRefs, description, ...(legacy ? { legacy: true as const } : {}) });

  // Geography: 演示省 / 演示市 / 演示县 and its townships and villages.
  const PROVINCE = '990000000000', CITY = '990100000000', COUNTY = '990101000000';
  emit({ op: 'unit', code: PROVINCE, name: '演示省', level: 'province', parentCode: null });
  emit({ op: 'unit', code: CITY, name: '演示市', level: 'city', parentCode: PROVINCE });
  emit({ op: 'unit', code: COUNTY, name: '演示县', level: 'county', parentCode: CITY });
  const villages: string[] = [];
  const townships: string[] = [];
  for (let t = 1; t <= p.townships; t++) {
    const township = `990101${String(t).padStart(3, '0')}000`;
    townships.push(township);
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
  const lastYear = p.years[p.years.length - 1];
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

  // How many of each anomaly: about DOMAIN.md §6.10's rate per opportunity, never fewer than two.
  const H = households.length, Y = p.years.length;
  const plansEstimate = villages.length * p.projectsPerVillageYear * Y;
  const payYearOf = (year: number) => year + 1; // pairing gifts are paid before 春节, in the January after their year
  const cashYears = p.years.filter((y) => payYearOf(y) >= 2018);
  const atLeastTwo = (n: number) => Math.max(2, Math.round(n));
  const quota: Record<string, number> = {
    R01: atLeastTwo(0.01 * Y * 2), R05shared: atLeastTwo(0.0005 * H * Y), R07: atLeastTwo(0.01 * H), R10: atLeastTwo(0.02 * plansEstimate),
    R20: atLeastTwo(0.01 * Y * 4), R21industry: atLeastTwo(0.005 * plansEstimate * 0.55 * 10), R21education: atLeastTwo(0.005 * H * 0.4 * Y),
    R24: atLeastTwo(0.05 * Y * 6), R30payee: atLeastTwo(0.003 * plansEstimate), R31: atLeastTwo(H / 2000), R35: atLeastTwo(0.005 * H * cashYears.length),
    legacy: atLeastTwo(0.0001 * H * Y),
  };
  const done: Record<string, number> = {};
  /** How many to inject this year: the quota spread evenly over the years that can hold it; what a year could not hold moves on to the next. */
  const due = (kind: string, year: number, years: readonly number[] = p.years) => {
    const i = years.indexOf(year);
    return i < 0 ? 0 : Math.max(0, Math.floor(((i + 1) * quota[kind]) / years.length) - (done[kind] ?? 0));
  };
  const count = (kind: string, n = 1) => (done[kind] = (done[kind] ?? 0) + n);

  // Households the anomalies are about: each in one anomaly, and never removed (so they keep being paid).
  const taken = new Set<string>();
  /** A random element that passes: a few random draws first (the pool is large and mostly free), then a scan. */
  const pickWhere = <T>(pool: readonly T[], ok: (x: T) => boolean): T | undefined => {
    for (let i = 0; i < 64 && pool.length > 0; i++) {
      const x = r.pick(pool);
      if (ok(x)) return x;
    }
    const free = pool.filter(ok);
    return free.length ? r.pick(free) : undefined;
  };
  const takeHousehold = (ok: (h: Household) => boolean = () => true): Household | undefined => {
    const h = pickWhere(households, (x) => !taken.has(x.id) && ok(x));
    if (h) taken.add(h.id);
    return h;
  };

  // The roster (R-07, R-31): two or three cadres (村两委) per village; a work team of three and a first secretary
  // in every poor village (every other one); a helper (帮扶责任人) for about every four households. They are not
  // beneficiaries, and neither are their declared relatives, except where an anomaly says so.
  const roster: RosterPerson[] = [];
  const rosterFrom = `${firstYear - 1}-06-01`;
  const relativesOf = () => Array.from({ length: r.int(0, 2) }, () => ({ name: name(), idNumber: idFor(birthOf(r.int(1940, 2005))), relation: r.pick(RELATIONS) }));
  let accountSeq = 0;
  villages.forEach((village, vi) => {
    let seq = 0;
    const person = (role: RosterPerson['role'], withAccount: boolean) => {
      const x: RosterPerson = { personId: `G-RS-${village.slice(6)}-${String(++seq).padStart(3, '0')}`,
        name: name(), role, unitCode: village, idNumber: idFor(birthOf(r.int(1960, 1992))), from: rosterFrom, relatives: relativesOf(),
        ...(withAccount ? { account: `6228${String(1e14 + ++accountSeq * 104729 + seed).slice(-15)}` } : {}) };
      roster.push(x);
    };
    for (let k = r.int(2, 3); k > 0; k--) person('village_cadre', false);
    if (vi % 2 === 0) {
      for (let k = 0; k < 3; k++) person('work_team_member', true);
      person('first_secretary', true);
    }
    const here = households.filter((h) => h.village === village).length;
    for (let k = Math.ceil(here / 4); k > 0; k--) person('helper', false);
  });

  // R-07: a member of a paid household is a declared relative of a cadre or helper (half of them genuinely eligible poor households).
  const linked: Array<{ household: Household; person: RosterPerson; description: string }> = [];
  for (let i = 0; i < quota.R07; i++) {
    const h = takeHousehold();
    if (!h) break;
    const near = roster.filter((x) => (x.role === 'village_cadre' || x.role === 'helper') && x.unitCode === h.village);
    const x = near.length ? r.pick(near) : r.pick(roster.filter((y) => y.role === 'village_cadre' || y.role === 'helper'));
    const member = r.pick(h.members);
    x.relatives.push({ name: member.name, idNumber: member.idNumber, relation: r.pick(RELATIONS) });
    linked.push({ household: h, person: x, description: `${x.name} (${x.role} ${x.personId}) declared ${member.name} of household ${h.id} a relative; the household is paid ` +
      (i % 2 === 0 ? '(genuinely eligible: its income is below the line)' : '(eligibility doubtful: the link may explain the registration)') });
    count('R07');
  }
  // R-31: a work-team member who is a member of a paid household, or whose own account receives a household's benefit.
  const workTeam = roster.filter((x) => x.role === 'work_team_member' || x.role === 'first_secretary');
  const teamInHousehold: Array<{ household: Household; person: RosterPerson }> = [];
  const teamAccountPaid = new Map<string, { household: Household; person: RosterPerson; year: number }>();
  for (let i = 0; i < quota.R31 && workTeam.length > i; i++) {
    const x = workTeam[(i * 7) % workTeam.length];
    if (teamInHousehold.some((t) => t.person === x) || [...teamAccountPaid.values()].some((t) => t.person === x)) continue;
    const h = takeHousehold();
    if (!h) break;
    if (i % 2 === 0) {
      const member = h.members.find((m) => m.relation !== 'head') ?? h.members[0];
      x.idNumber = member.idNumber;
      x.name = member.name;
      teamInHousehold.push({ household: h, person: x });
    } else {
      teamAccountPaid.set(h.id, { household: h, person: x, year: p.years[i % Y] });
    }
    count('R31');
  }
  for (const x of roster) {
    emit({ op: 'roster', personId: x.personId, name: x.name, role: x.role, unitCode: x.unitCode, idNumber: x.idNumber, ...(x.account ? { account: x.account } : {}),
      from: x.from, relatives: x.relatives });
  }
  // R-05: one bank account receiving the pairing gifts of three unrelated households, in one year each.
  const sharedAccount = new Map<string, { account: string; year: number; group: Household[] }>();
  for (let i = 0; i < quota.R05shared; i++) {
    const group = [takeHousehold(), takeHousehold(), takeHousehold()].filter((h): h is Household => h !== undefined);
    if (group.length < 3) break;
    const entry = { account: `6230${String(1e14 + (i + 1) * 15485863 + seed).slice(-15)}`, year: p.years[i % Y], group };
    for (const h of group) sharedAccount.set(h.id, entry);
    count('R05shared');
  }

  // Pays one payment through its whole life; some fail at the bank (and are paid again), a few are reversed.
  // An injected anomaly's payment has no accidents, so what the detector sees is what was injected.
  const payFully = (c: { projectId: string; allocationId: string; amount: bigint; installment: string; date: string; payee: Record<string, unknown>; source: string; year: number;
    householdId?: string; channel?: string; purpose?: string; clean?: boolean }): { amount: bigint; paymentId: string } => {
    const accidents = c.clean !== false;
    let id = nextPaymentId();
    const purpose = c.purpose ?? (c.installment === 'single' ? '补助' : '工程款');
    emit({ op: 'payment', paymentId: id, projectId: c.projectId, allocationId: c.allocationId, amount: yuan(c.amount), purpose,
      installment: c.installment, effectiveDate: c.date, payee: c.payee });
    record({ paymentId: id, projectId: c.projectId, householdId: c.householdId, date: c.date });
    emit({ op: 'approve', paymentId: id, effectiveDate: c.date });
    if (accidents && r.chance(0.01)) {
      emit({ op: 'fail', paymentId: id, reason: '账户名与账号不符', effectiveDate: c.date });
      const failed = id;
      id = nextPaymentId();
      emit({ op: 'payment', paymentId: id, projectId: c.projectId, allocationId: c.allocationId, amount: yuan(c.amount), purpose: '重新支付',
        installment: c.installment, effectiveDate: c.date, payee: c.payee, replacesPaymentId: failed });
      record({ paymentId: id, projectId: c.projectId, householdId: c.householdId, date: c.date });
      emit({ op: 'approve', paymentId: id, effectiveDate: c.date });
    }
    emit({ op: 'execute', paymentId: id, channel: c.channel ?? (c.householdId ? 'one_card' : 'treasury_direct'), bankReference: `BR-${id}`, effectiveDate: c.date });
    if (accidents && c.installment === 'single' && r.chance(0.005)) {
      emit({ op: 'reverse', paymentId: id, reason: '重复申报，追回', effectiveDate: c.date, documentNo: `县纪发〔${c.year}〕${paymentSeq}号` });
      return { amount: 0n, paymentId: id };
    }
    add(paid, `${c.source}:${c.year}`, c.amount);
    if (c.householdId) add(paidHouseholds, c.householdId, c.amount);
    return { amount: c.amount, paymentId: id };
  };
  const householdPayee = (h: Household, account = h.account) => ({ type: 'household', id: h.id, name: h.members[0].name, account });

  // Legacy records (migrated from the old system before the ledger's command rules): payments the ledger would refuse.
  let legacySeq = 0;
  const legacyPayment = (x: { projectId: string; allocationId: string; batchId: string; unitCode: string; payee: Record<string, unknown>; amount: bigint;
    purpose: string; installment: string; date: string; requestedBy?: string; approvedBy?: string; channel: string; bankReference?: string }) => {
    const paymentId = `G-PAY-L${String(++legacySeq).padStart(6, '0')}`;
    emit({ op: 'legacy', kind: 'payment', paymentId, projectId: x.projectId, allocationId: x.allocationId, batchId: x.batchId, unitCode: x.unitCode, payee: x.payee,
      amount: yuan(x.amount), purpose: x.purpose, installment: x.installment, effectiveDate: x.date, requestedBy: x.requestedBy ?? 'legacy-clerk',
      approvedBy: x.approvedBy ?? 'legacy-approver', channel: x.channel, bankReference: x.bankReference ?? `LG-${paymentId}` });
    return paymentId;
  };

  const industryPaid = new Map<string, bigint>(); // everything paid, reversed or not: the clean cap check
  const industryKept = new Map<string, bigint>(); // paid and not reversed: what the detector sums
  const CAP = 300000n;
  const legacyDue = (kind: string, year: number) => due(kind, year);
  quota.legacyRemoved = quota.legacy;
  quota.legacyUnregistered = quota.legacy;
  quota.legacyDuplicate = quota.legacy;
  quota.legacyIdentity = quota.legacy;
  quota.legacyFinal = quota.legacy;
  quota.legacyRequester = quota.legacy;

  for (const year of p.years) {
    const active = households.filter((h) => !h.removedOn);
    // Village projects for the year, sized by type; their budgets decide the appropriations.
    type Plan = { id: string; village: string; type: string; budget: bigint; source: 'CENTRAL_SPECIAL_POVERTY' | 'PROVINCIAL_POVERTY'; failsFirst: boolean;
      publicity?: 'skipped' | 'short'; approverPaid?: boolean; overCap: number; legacyFinal?: boolean; legacyRequester?: boolean };
    const plans: Plan[] = [];
    const plan = (village: string, k: number, type: string) => {
      const budgetYuan = Math.max(10000, Math.min(MEDIAN_YUAN[type] * 6, Math.round(r.lognormal(MEDIAN_YUAN[type], 0.5) / 100) * 100));
      plans.push({ id: `G-PRJ-${year}-${village.slice(6)}-${k + 1}`, village, type, budget: BigInt(budgetYuan) * 100n,
        source: type === 'INDUSTRY' ? 'PROVINCIAL_POVERTY' : 'CENTRAL_SPECIAL_POVERTY', failsFirst: r.chance(0.03), overCap: 0 });
    };
    for (const village of villages) {
      const n = Math.max(0, Math.min(6, r.poisson(p.projectsPerVillageYear)));
      for (let k = 0; k < n; k++) plan(village, k, r.weighted(PROJECT_TYPES));
    }
    // Every year has at least one industry project and one other (the anomalies need somewhere to be).
    if (!plans.some((x) => x.type === 'INDUSTRY')) plan(villages[0], 6, 'INDUSTRY');
    if (!plans.some((x) => x.type !== 'INDUSTRY')) plan(villages[villages.length - 1], 7, 'WATER');
    for (let k = 8; plans.length < 4; k++) plan(villages[k % villages.length], k, k % 2 ? 'ROAD' : 'WATER');
    const clean = () => plans.filter((x) => !x.publicity && !x.approverPaid && !x.legacyFinal && !x.legacyRequester && x.overCap === 0);
    // R-21: industry awards beyond the 3,000 元 cap per household, on the year's largest industry project of 5万 or more.
    const biggestIndustry = [...plans].filter((x) => x.type === 'INDUSTRY' && x.budget >= 5000000n && !x.publicity && !x.approverPaid)
      .map((x) => ({ x, n: active.filter((h) => h.village === x.village).length }))
      .sort((a, b) => b.n - a.n || (a.x.budget === b.x.budget ? 0 : a.x.budget > b.x.budget ? -1 : 1))[0]?.x;
    if (biggestIndustry) {
      biggestIndustry.overCap = Math.min(due('R21industry', year), 3);
    }
    // R-10: a works project that pays without a 公示, or after one of 3–5 days.
    for (let n = due('R10', year); n > 0 && clean().length > 1; n--) {
      const x = r.pick(clean());
      x.publicity = (done.R10 ?? 0) % 2 === 0 ? 'skipped' : 'short';
      count('R10');
    }
    // R-30: the approver is paid (a 劳务费 to the person who approves it).
    for (let n = due('R30payee', year); n > 0 && clean().length > 1; n--) {
      r.pick(clean()).approverPaid = true;
      count('R30payee');
    }
    // Legacy works payments: a final before acceptance (R-14), a payment approved by its own requester (R-30).
    const legacyHost = (flag: 'legacyFinal' | 'legacyRequester') => pickWhere(plans, (x) => !x.publicity && !x.approverPaid && !x[flag]);
    for (let n = legacyDue('legacyFinal', year), x = legacyHost('legacyFinal'); n > 0 && x; n--, x = legacyHost('legacyFinal')) {
      x.legacyFinal = true;
      count('legacyFinal');
    }
    for (let n = legacyDue('legacyRequester', year), x = legacyHost('legacyRequester'); n > 0 && x; n--, x = legacyHost('legacyRequester')) {
      x.legacyRequester = true;
      count('legacyRequester');
    }

    const students = (h: Household) => h.members.reduce((s, m) => {
      const age = year - m.birthYear;
      return s + (age >= 6 && age <= 12 ? 100000n : age >= 13 && age <= 18 ? 200000n : 0n);
    }, 0n);
    // Education subsidies at the standard (R-21), except a few at a wrong rate.
    const eduPay = new Map<string, bigint>();
    const offStandard = new Set<string>();
    for (const h of active) if (students(h) > 0n) eduPay.set(h.id, students(h));
    for (let n = due('R21education', year); n > 0; n--) {
      const h = pickWhere(active, (x) => eduPay.has(x.id) && !offStandard.has(x.id));
      if (!h) break;
      offStandard.add(h.id);
      eduPay.set(h.id, students(h) + (r.chance(0.5) ? 100000n : -50000n));
      count('R21education');
    }
    // Pairing gifts, 500 元 by card; a few 800 元 in cash before 2018 and exactly 500 元 in cash after (neither a flag);
    // the injected ones: over 500 元 in cash after 2017 (R-35).
    const payDay = `${payYearOf(year)}-01-15`;
    const pairPay = new Map<string, { amount: bigint; channel: string; cash?: 'flag' | 'near' }>();
    for (const h of active) pairPay.set(h.id, { amount: 50000n, channel: 'one_card' });
    const plain = () => pickWhere(active, (h) => !taken.has(h.id) && pairPay.get(h.id)!.channel === 'one_card');
    for (let n = 2; n > 0; n--) {
      const h = plain();
      if (h) pairPay.set(h.id, { amount: payYearOf(year) < 2018 ? 80000n : 50000n, channel: 'cash', cash: 'near' });
    }
    for (let n = due('R35', year, cashYears); n > 0; n--) {
      const h = plain();
      if (!h) break;
      taken.add(h.id);
      pairPay.set(h.id, { amount: BigInt(r.int(6, 15)) * 10000n, channel: 'cash', cash: 'flag' });
      count('R35');
    }
    const eduTotal = [...eduPay.values()].reduce((s, v) => s + v, 0n);
    const pairTotal = [...pairPay.values()].reduce((s, v) => s + v.amount, 0n);

    // Appropriations. Central and provincial poverty funds reach the province in March and the county on 1 April;
    // the county's own budget (education) and the pairing units' money arrive in July, a little before they are
    // committed in August. Each carries its document's line items, which add up (R-20) except where injected.
    const need = (src: string) => plans.filter((x) => x.source === src).reduce((s, x) => s + x.budget, 0n);
    const slack = (n: bigint) => { const s = (n * 4n) / 100n / 10000n * 10000n; return s > 10000n ? s : 10000n; };
    // R-01: money passed down to a township that sits there for six weeks before going back to the county.
    const withheld: Array<{ source: string; township: string; amount: bigint }> = [];
    for (let n = due('R01', year), t = 0; n > 0 && t < townships.length; n--, t++) {
      const source = need('CENTRAL_SPECIAL_POVERTY') > 0n ? 'CENTRAL_SPECIAL_POVERTY' : 'PROVINCIAL_POVERTY';
      const amount = ((need(source) * 15n) / 100n / 10000n) * 10000n;
      if (amount < 100000n) continue;
      withheld.push({ source, township: townships[(t + year) % townships.length], amount });
      count('R01');
    }
    const extra = (src: string) => withheld.filter((w) => w.source === src).reduce((s, w) => s + w.amount, 0n);
    type Root = { source: string; level: string; batchId: string; amount: bigint; unit: string; planned: bigint; lines: Array<[string, bigint]>; date: string };
    const roots: Root[] = [];
    const day = (month: string, from: number, to: number) => `${year}-${month}-${String(r.int(from, to)).padStart(2, '0')}`;
    const cen = need('CENTRAL_SPECIAL_POVERTY'), prv = need('PROVINCIAL_POVERTY');
    if (cen > 0n) roots.push({ source: 'CENTRAL_SPECIAL_POVERTY', level: 'CENTRAL', batchId: `G-CEN-${year}`, amount: cen + slack(cen) + extra('CENTRAL_SPECIAL_POVERTY'),
      unit: PROVINCE, planned: cen, lines: [['村级基础设施建设', cen], ['项目管理及不可预见', slack(cen) + extra('CENTRAL_SPECIAL_POVERTY')]], date: day('03', 1, 25) });
    if (prv > 0n) roots.push({ source: 'PROVINCIAL_POVERTY', level: 'PROVINCIAL', batchId: `G-PRV-${year}`, amount: prv + slack(prv) + extra('PROVINCIAL_POVERTY'),
      unit: PROVINCE, planned: prv, lines: [['特色产业发展', prv], ['项目管理及不可预见', slack(prv) + extra('PROVINCIAL_POVERTY')]], date: day('03', 1, 25) });
    if (eduTotal > 0n) roots.push({ source: 'COUNTY_BUDGET', level: 'COUNTY', batchId: `G-EDU-${year}`, amount: eduTotal + 100000n, unit: COUNTY, planned: eduTotal,
      lines: [['建档立卡学生生活补助', eduTotal], ['预留', 100000n]], date: day('07', 10, 31) });
    if (pairTotal > 0n) roots.push({ source: 'PAIRING_UNIT', level: 'NON_GOV', batchId: `G-PAIR-${year}`, amount: pairTotal + 100000n, unit: COUNTY, planned: pairTotal,
      lines: [['结对帮扶慰问金', pairTotal], ['工作经费', 100000n]], date: day('07', 10, 31) });
    // R-24: a county root received in January or February and not committed until August.
    for (let n = due('R24', year); n > 0; n--) {
      const x = roots.find((y) => y.unit === COUNTY && !y.date.startsWith(`${year}-0${1}`) && !y.date.startsWith(`${year}-02`));
      if (!x) break;
      x.date = `${year}-0${r.int(1, 2)}-${String(r.int(1, 28)).padStart(2, '0')}`;
      anomaly('R-24', 'idle_after_receipt', [`batch:${x.batchId}`], `batch ${x.batchId} was received on ${x.date} and nothing of it was allocated until ${year}-08-05`);
      count('R24');
    }
    // R-20: a document whose line items do not add up to its total (the 67.4万 vs 70.5万 pattern).
    for (let n = due('R20', year); n > 0; n--) {
      const x = roots.find((y) => y.lines.length === 2 && !y.lines[1][0].endsWith('（印刷合计）'));
      if (!x) break;
      const short = ((x.amount * BigInt(r.int(3, 6))) / 100n / 100n) * 100n || 10000n;
      x.lines = [[x.lines[0][0], x.lines[0][1] - short], [`${x.lines[1][0]}（印刷合计）`, x.lines[1][1]]];
      anomaly('R-20', 'declared_total_differs_from_lines', [`batch:${x.batchId}`], `batch ${x.batchId} declares ${yuan(x.amount)} yuan; its line items add up to ${yuan(x.amount - short)}`);
      count('R20');
    }
    const countyBatch: Record<string, string> = {};
    for (const x of roots) {
      emit({ op: 'batch', batchId: x.batchId, documentNo: `${x.level === 'CENTRAL' ? '财农' : x.level === 'PROVINCIAL' ? '演财农' : '演县财'}〔${year}〕${r.int(1, 99)}号`,
        title: `${year}年${SOURCE_NAMES[x.source as keyof typeof SOURCE_NAMES] ?? x.source}`, source: x.source, issuerLevel: x.level, recipientUnitCode: x.unit, fiscalYear: year, amount: yuan(x.amount),
        effectiveDate: x.date, purpose: '精准扶贫', countsTowardHouseholdShare: x.source !== 'PROVINCIAL_POVERTY',
        lineItems: x.lines.map(([label, amount]) => ({ label, amount: yuan(amount) })) });
      add(appropriated, x.source, x.amount);
      if (x.unit === PROVINCE) {
        const child = `${x.batchId}-CTY`;
        emit({ op: 'allocate', batchId: x.batchId, allocationId: `${x.batchId}-A-CTY`, target: { type: 'batch', batchId: child, recipientUnitCode: COUNTY }, amount: yuan(x.amount),
          effectiveDate: `${year}-04-01`, documentNo: `演财农〔${year}〕${r.int(100, 199)}号` });
        countyBatch[x.source] = child;
      } else countyBatch[x.source] = x.batchId;
      countyReceived += x.amount;
    }
    // Projects: 立项, 公示, allocation, advance, start, progress, completion, acceptance (3% fail first), final payment, hand-over.
    // Industry projects also pay participating households an award (at most 3,000 元 per household in all); training
    // projects pay their lecturer.
    const unspent = new Map<string, bigint>();
    for (const plan of plans) {
      const batchId = countyBatch[plan.source];
      const allocationId = `${plan.id}-AL`;
      emit({ op: 'project', projectId: plan.id, name: `${PROJECT_TYPE_NAMES[plan.type] ?? plan.type}项目 ${plan.id.slice(-6)}`, type: plan.type, unitCode: plan.village, implementer: '村民委员会',
        budget: yuan(plan.budget), plannedStart: `${year}-05-01`, plannedEnd: `${year}-10-31` });
      const ms = (kind: string, date: string, extra: object = {}) => emit({ op: 'milestone', projectId: plan.id, milestoneId: `${plan.id}-${kind}-${date}`, kind, date, ...extra });
      ms('approved', `${year}-04-10`, { documentNo: `演县扶贫办〔${year}〕${r.int(1, 300)}号` });
      if (plan.publicity === 'short') ms('publicized', `${year}-04-11`, { publicUntil: addDays(`${year}-04-11`, r.int(2, 4)) });
      else if (!plan.publicity) ms('publicized', `${year}-04-11`, { publicUntil: `${year}-04-18` });
      emit({ op: 'allocate', batchId, allocationId, target: { type: 'project', projectId: plan.id }, amount: yuan(plan.budget), effectiveDate: `${year}-04-20`,
        documentNo: `演县财发〔${year}〕${r.int(1, 300)}号` });
      const payee = { type: 'contractor', id: `G-CT-${plan.village.slice(6)}`, name: '演示县建设工程有限公司', account: `6222${plan.village.slice(4)}` };
      const advance = (plan.budget * 30n) / 100n;
      const progress = (plan.budget * 40n) / 100n;
      let final = plan.budget - advance - progress;
      const base = { projectId: plan.id, allocationId, source: plan.source, year };
      let spent = payFully({ ...base, amount: advance, installment: 'advance', date: `${year}-04-25`, payee, clean: !plan.publicity }).amount;
      ms('started', `${year}-05-05`);
      ms('progress', `${year}-07-01`, { percentComplete: 75 });
      spent += payFully({ ...base, amount: progress, installment: 'progress', date: `${year}-07-05`, payee, clean: !plan.publicity }).amount;
      if (plan.legacyRequester) {
        const id = legacyPayment({ projectId: plan.id, allocationId, batchId, unitCode: plan.village, payee, amount: (plan.budget * 5n) / 100n || 100n, purpose: '工程进度款',
          installment: 'progress', date: `${year}-07-10`, requestedBy: 'legacy-clerk-07', approvedBy: 'legacy-clerk-07', channel: 'treasury_direct' });
        anomaly('R-30', 'approver_is_requester', [`payment:${id}`, `project:${plan.id}`], `legacy payment ${id} on project ${plan.id} was requested and approved by the same clerk`, true);
      }
      if (plan.legacyFinal) {
        const id = legacyPayment({ projectId: plan.id, allocationId, batchId, unitCode: plan.village, payee, amount: (plan.budget * 10n) / 100n || 100n, purpose: '工程尾款',
          installment: 'final', date: `${year}-09-01`, channel: 'treasury_direct' });
        anomaly('R-14', 'final_paid_before_acceptance', [`payment:${id}`, `project:${plan.id}`],
          `legacy final payment ${id} on project ${plan.id} on ${year}-09-01, before its acceptance on ${year}-11-05`, true);
      }
      ms('completed', `${year}-10-20`);
      if (plan.failsFirst) ms('accepted', `${year}-10-25`, { result: 'failed' });
      ms('accepted', `${year}-11-05`, { result: 'passed' });
      if (plan.type === 'INDUSTRY') {
        // Awards to participating households of the village, within the cap; the injected ones beyond it.
        const here = active.filter((h) => h.village === plan.village);
        let room = (plan.budget * 20n) / 100n;
        const awards: Array<[Household, bigint, boolean]> = [];
        const overCap = new Set<string>();
        for (let n = plan.overCap; n > 0; n--) {
          const h = pickWhere(here, (x) => !taken.has(x.id)) ?? pickWhere(here, (x) => !overCap.has(x.id) && (industryKept.get(x.id) ?? 0n) <= CAP);
          if (!h) break;
          taken.add(h.id);
          overCap.add(h.id);
          count('R21industry');
          const amount = CAP - (industryKept.get(h.id) ?? 0n) + BigInt(r.int(5, 20)) * 10000n;
          awards.push([h, amount, true]);
          room -= amount;
        }
        for (let k = Math.min(here.length, 40); k > 0 && room >= 100000n; k--) {
          const h = r.pick(here);
          if (taken.has(h.id) || awards.some(([x]) => x === h)) continue;
          const amount = [100000n, 150000n, 200000n, 250000n, 300000n][r.int(0, 4)];
          const fits = amount <= CAP - (industryPaid.get(h.id) ?? 0n) ? amount : ((CAP - (industryPaid.get(h.id) ?? 0n)) / 50000n) * 50000n;
          if (fits < 100000n || fits > room) continue;
          awards.push([h, fits, false]);
          room -= fits;
        }
        for (const [h, amount, flagged] of awards) {
          const x = payFully({ ...base, amount, installment: 'single', date: `${year}-11-10`, payee: householdPayee(h), householdId: h.id, purpose: '产业发展奖补',
            clean: !flagged && !plan.publicity });
          add(industryPaid, h.id, amount);
          add(industryKept, h.id, x.amount);
          spent += x.amount;
          final -= amount;
          if (flagged) {
            anomaly('R-21', 'industry_over_cap', [`household:${h.id}`, `payment:${x.paymentId}`],
              `household ${h.id} received ${yuan(industryKept.get(h.id)!)} yuan of industry awards, over the 3,000 yuan cap`);
          }
        }
      }
      if (plan.type === 'TRAINING_TECH' && final > 400000n) {
        const fee = 200000n;
        spent += payFully({ ...base, amount: fee, installment: 'single', date: `${year}-11-12`, purpose: '培训讲课费', channel: 'bank_transfer', clean: !plan.publicity,
          payee: { type: 'person', id: `G-PER-${plan.id.slice(6)}`, name: name(), account: `6229${plan.id.replace(/\D/g, '').slice(-15)}` } }).amount;
        final -= fee;
      }
      if (plan.approverPaid) {
        const fee = (final / 4n / 10000n) * 10000n || 10000n;
        const x = payFully({ ...base, amount: fee, installment: 'single', date: `${year}-11-12`, purpose: '劳务费', channel: 'bank_transfer', clean: false,
          payee: { type: 'person', id: 'loader-approver', name: '县扶贫办审核员', account: '6229990000000000001' } });
        spent += x.amount;
        final -= fee;
        anomaly('R-30', 'approver_is_payee', [`payment:${x.paymentId}`], `payment ${x.paymentId} on project ${plan.id} pays the person who approved it (loader-approver)`);
      }
      if (final > 0n) spent += payFully({ ...base, amount: final, installment: 'final', date: `${year}-11-15`, payee, clean: !plan.publicity }).amount;
      ms('handed_over', `${year}-12-01`);
      unspent.set(`${batchId}|${allocationId}`, plan.budget - spent);
      if (plan.publicity) {
        const refs = (byProject.get(plan.id) ?? []).map((x) => `payment:${x.paymentId}`);
        anomaly('R-10', 'paid_without_full_publicity', [...refs, `project:${plan.id}`], plan.publicity === 'skipped'
          ? `project ${plan.id} paid its contractor without any 公示` : `project ${plan.id} paid after a 公示 of fewer than 7 days`);
      }
    }
    // R-01: the county passes money to a township on 25 April, where it sits six weeks and then goes back.
    for (const w of withheld) {
      const parent = countyBatch[w.source];
      const child = `G-TWN-${year}-${w.township.slice(6, 9)}-${w.source === 'CENTRAL_SPECIAL_POVERTY' ? 'C' : 'P'}`;
      emit({ op: 'allocate', batchId: parent, allocationId: `${child}-A`, target: { type: 'batch', batchId: child, recipientUnitCode: w.township }, amount: yuan(w.amount),
        effectiveDate: `${year}-04-25`, documentNo: `演县财发〔${year}〕${r.int(301, 400)}号` });
      const back = addDays(`${year}-04-25`, r.int(40, 50));
      emit({ op: 'return', batchId: child, returnId: `${child}-RT`, amount: yuan(w.amount), reason: '乡镇滞留资金退回县级', effectiveDate: back });
      anomaly('R-01', 'no_onward_movement', [`batch:${child}`], `township batch ${child} received ${yuan(w.amount)} yuan on ${year}-04-25 and moved nothing on until ${back}`);
    }
    // Household benefits: education subsidies in September (1,000 / 2,000 元 per pupil), pairing gifts of 500 元 before 春节.
    const benefitProject = (kind: 'EDU' | 'PAIR', total: bigint) => {
      const projectId = `G-${kind}-${year}`;
      const batchId = kind === 'EDU' ? countyBatch.COUNTY_BUDGET : countyBatch.PAIRING_UNIT;
      emit({ op: 'project', projectId, name: kind === 'EDU' ? `${year}年建档立卡学生资助` : `${year}年结对帮扶慰问`, type: kind === 'EDU' ? 'EDUCATION' : 'RELIEF',
        unitCode: COUNTY, implementer: kind === 'EDU' ? '县教育局' : '县扶贫办', budget: yuan(total), plannedStart: `${year}-01-01`, plannedEnd: `${year}-12-31` });
      emit({ op: 'milestone', projectId, milestoneId: `${projectId}-approved`, kind: 'approved', date: `${year}-08-01`, documentNo: `演县〔${year}〕${kind}号` });
      // The beneficiary list is publicized for a week before anything is paid (R-10).
      emit({ op: 'milestone', projectId, milestoneId: `${projectId}-publicized`, kind: 'publicized', date: `${year}-08-02`, publicUntil: `${year}-08-09` });
      emit({ op: 'allocate', batchId, allocationId: `${projectId}-AL`, target: { type: 'project', projectId }, amount: yuan(total), effectiveDate: `${year}-08-05`,
        documentNo: `演县财发〔${year}〕${kind}号` });
      return { projectId, batchId, allocationId: `${projectId}-AL` };
    };
    if (eduTotal > 0n) {
      const edu = benefitProject('EDU', eduTotal);
      let spent = 0n;
      for (const h of active) {
        const amount = eduPay.get(h.id);
        if (!amount) continue;
        const x = payFully({ ...edu, amount, installment: 'single', date: `${year}-09-15`, source: 'COUNTY_BUDGET', year, householdId: h.id, payee: householdPayee(h),
          clean: !offStandard.has(h.id) });
        spent += x.amount;
        if (offStandard.has(h.id)) {
          anomaly('R-21', 'education_off_standard', [`payment:${x.paymentId}`],
            `household ${h.id} was paid ${yuan(amount)} yuan of education subsidy in ${year}; its pupils' standard is ${yuan(students(h))}`);
        }
      }
      unspent.set(`${edu.batchId}|${edu.allocationId}`, eduTotal - spent);
    }
    const pair = pairTotal > 0n ? benefitProject('PAIR', pairTotal) : undefined;
    // Year end: unspent commitments back to their batches, and the county's unspent balances back up (结余退回).
    for (const [key, amount] of unspent) {
      if (amount <= 0n) continue;
      const [batchId, allocationId] = key.split('|');
      emit({ op: 'return', batchId, returnId: `${allocationId}-RT`, amount: yuan(amount), reason: '项目结余退回', effectiveDate: `${year}-12-25`, allocationId });
    }
    for (const x of roots) {
      if (x.unit !== PROVINCE) continue;
      const child = countyBatch[x.source];
      const left = x.amount - x.planned + [...unspent].filter(([k]) => k.startsWith(`${child}|`)).reduce((s, [, v]) => s + v, 0n);
      if (left > 0n) {
        emit({ op: 'return', batchId: child, returnId: `${child}-RT`, amount: yuan(left), reason: '年终结余退回', effectiveDate: `${year}-12-28` });
        countyReceived -= left;
      }
    }
    // Exits (脱贫) along the exit curve, and 1% removals (剔除) for 九不纳入, in December; never a household an anomaly is about.
    const removedNow: Household[] = [];
    for (const h of active) {
      if (!h.exitedOn && r.chance(EXIT_SHARE[year] ?? 0.02)) {
        h.exitedOn = `${year}-12-10`;
        emit({ op: 'householdStatus', householdId: h.id, status: 'exited', date: h.exitedOn, reason: '人均纯收入稳定超过贫困线，两不愁三保障实现' });
      } else if (!taken.has(h.id) && (r.chance(0.01) || (year === lastYear && removedNow.length < quota.legacyRemoved - (done.legacyRemoved ?? 0)))) {
        h.removedOn = `${year}-12-28`;
        removedNow.push(h);
        emit({ op: 'householdStatus', householdId: h.id, status: 'removed', date: h.removedOn, reason: '家庭成员为财政供养人员（九不纳入）' });
      }
    }
    // Pairing gifts in January, to the households still registered; a few through an account not their own (R-05, R-31).
    if (pair) {
      let spent = 0n;
      const paidNow: Array<{ h: Household; paymentId: string; channel: string }> = [];
      for (const h of active) {
        if (h.removedOn) continue;
        const gift = pairPay.get(h.id)!;
        const shared = sharedAccount.get(h.id);
        const team = teamAccountPaid.get(h.id);
        const account = shared?.year === year ? shared.account : team?.year === year ? team.person.account! : h.account;
        const x = payFully({ ...pair, amount: gift.amount, installment: 'single', date: payDay, source: 'PAIRING_UNIT', year, householdId: h.id, payee: householdPayee(h, account),
          channel: gift.channel, purpose: '结对帮扶春节慰问', clean: gift.cash !== 'flag' && account === h.account });
        spent += x.amount;
        paidNow.push({ h, paymentId: x.paymentId, channel: gift.channel });
        if (gift.cash === 'flag') {
          anomaly('R-35', 'cash_to_individual', [`payment:${x.paymentId}`], `payment ${x.paymentId} gave household ${h.id} ${yuan(gift.amount)} yuan in cash on ${payDay}`);
        }
        if (team?.year === year) {
          anomaly('R-31', 'payee_is_work_team', [`payment:${x.paymentId}`, `household:${h.id}`],
            `payment ${x.paymentId} to household ${h.id} went to the own account of ${team.person.name} (${team.person.role} ${team.person.personId})`);
        }
      }
      for (const entry of new Set([...sharedAccount.values()].filter((e) => e.year === year))) {
        const refs = paidNow.filter((x) => entry.group.includes(x.h)).map((x) => `payment:${x.paymentId}`);
        anomaly('R-05', 'shared_account', [...entry.group.map((h) => `household:${h.id}`), ...refs],
          `one bank account received the ${year} pairing gifts of households ${entry.group.map((h) => h.id).join(', ')}`);
      }
      if (pairTotal - spent > 0n) {
        emit({ op: 'return', batchId: pair.batchId, returnId: `${pair.allocationId}-RT`, amount: yuan(pairTotal - spent), reason: '项目结余退回',
          effectiveDate: `${payYearOf(year)}-01-25`, allocationId: pair.allocationId });
      }
      // Legacy: gifts paid to a household removed weeks before, to one never registered, and twice under one bank reference.
      const legacyBase = { projectId: pair.projectId, allocationId: pair.allocationId, batchId: pair.batchId, unitCode: COUNTY, amount: 50000n, purpose: '结对帮扶春节慰问',
        installment: 'single', date: addDays(payDay, 1), channel: 'one_card' };
      for (let n = legacyDue('legacyRemoved', year); n > 0 && removedNow.length > 0; n--) {
        const h = removedNow.shift()!;
        const id = legacyPayment({ ...legacyBase, payee: householdPayee(h) });
        anomaly('R-05', 'payee_removed', [`payment:${id}`, `household:${h.id}`], `legacy payment ${id} paid household ${h.id}, removed on ${h.removedOn}`, true);
        count('legacyRemoved');
      }
      for (let n = legacyDue('legacyUnregistered', year); n > 0; n--) {
        const ghost = `G-HH-X${String((done.legacyUnregistered ?? 0) + 1).padStart(5, '0')}`;
        const id = legacyPayment({ ...legacyBase, payee: { type: 'household', id: ghost, name: name(), account: `6231${String(1e14 + (done.legacyUnregistered ?? 0) * 7 + seed).slice(-15)}` } });
        anomaly('R-05', 'payee_not_registered', [`payment:${id}`, `household:${ghost}`], `legacy payment ${id} paid ${ghost}, a household never registered`, true);
        count('legacyUnregistered');
      }
      const reusable = paidNow.filter((x) => !taken.has(x.h.id) && x.channel === 'one_card' && !x.h.removedOn);
      for (let n = legacyDue('legacyDuplicate', year); n > 0 && reusable.length > 0; n--) {
        const original = reusable.splice(r.int(0, reusable.length - 1), 1)[0];
        taken.add(original.h.id);
        const id = legacyPayment({ ...legacyBase, payee: householdPayee(original.h), bankReference: `BR-${original.paymentId}`, date: payDay });
        anomaly('R-05', 'duplicate_bank_reference', [`payment:${id}`, `payment:${original.paymentId}`],
          `legacy payment ${id} carries the bank reference of payment ${original.paymentId} (BR-${original.paymentId})`, true);
        count('legacyDuplicate');
      }
    }
    // Legacy: a household registered in the old system with a member who is already a member of another household.
    for (let n = legacyDue('legacyIdentity', year); n > 0; n--) {
      const other = r.pick(households.filter((h) => !h.removedOn && h.members.length > 1));
      if (!other) break;
      const twin = other.members[other.members.length - 1];
      const householdId = `G-HH-Y${String((done.legacyIdentity ?? 0) + 1).padStart(5, '0')}`;
      const headYear = r.int(1950, 1980);
      emit({ op: 'legacy', kind: 'household', householdId, unitCode: r.pick(villages.filter((v) => v !== other.village)) ?? other.village,
        members: [{ name: name(), idNumber: idFor(birthOf(headYear)), birthYear: headYear, relation: 'head' }, { name: twin.name, idNumber: twin.idNumber, birthYear: twin.birthYear, relation: 'child' }],
        category: 'general', causes: ['ILLNESS'], registeredOn: `${year}-11-20` });
      anomaly('R-05', 'identity_in_two_households', [`household:${householdId}`, `household:${other.id}`],
        `legacy household ${householdId} lists ${twin.name}, already a member of household ${other.id}`, true);
      count('legacyIdentity');
    }
  }

  // The payments the favouritism anomalies are about, now that every payment is known.
  for (const l of linked) {
    const refs = (byHousehold.get(l.household.id) ?? []).filter((x) => x.date >= l.person.from).map((x) => `payment:${x.paymentId}`);
    anomaly('R-07', 'payee_related_to_cadre', [`household:${l.household.id}`, ...refs], l.description);
  }
  for (const t of teamInHousehold) {
    const refs = (byHousehold.get(t.household.id) ?? []).filter((x) => x.date >= t.person.from).map((x) => `payment:${x.paymentId}`);
    anomaly('R-31', 'payee_is_work_team', [`household:${t.household.id}`, ...refs],
      `${t.person.name} (${t.person.role} ${t.person.personId}) is a member of household ${t.household.id}, which is paid`);
  }
  const order = INJECTED_VARIANTS.map(([rule, variant]) => `${rule}/${variant}`);
  anomalies.sort((a, b) => order.indexOf(`${a.ruleId}/${a.variant}`) - order.indexOf(`${b.ruleId}/${b.variant}`));
  anomalies.forEach((a, i) => (a.anomalyId = `G-AN-${String(i + 1).padStart(5, '0')}`));
  const anomalyCounts: Record<string, number> = {};
  for (const a of anomalies) anomalyCounts[`${a.ruleId}/${a.variant}`] = (anomalyCounts[`${a.ruleId}/${a.variant}`] ?? 0) + 1;

  const sortObj = (m: Map<string, bigint>) => Object.fromEntries([...m.entries()].sort().map(([k, v]) => [k, yuan(v)]));
  const totalPaid = [...paid.values()].reduce((s, v) => s + v, 0n);
  return {
    commands: out,
    anomalies,
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
      anomalies: anomalyCounts,
    },
  };
}
