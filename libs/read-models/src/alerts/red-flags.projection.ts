import { bankReferenceKey, DEFAULT_RULE_SET, type RuleSetVersion } from '@yuantrace/domain';
import { appendRows, insertMany, type SqlExecutor } from '@yuantrace/event-store';
import { runDdl } from '../shared/ddl';
import { typedProjection, type Recorded } from '../shared/typed-projection';
import { dueAlertsSql, inTerms, RULE_TERMS_VALUES, ruleTermsSql } from './alert-judgement-sql';

/**
 * The red-flag detectors (DOMAIN.md §3.2), as one projection over the log. It keeps its own
 * facts (rf_*), never another projection's tables, so it is right whatever order the runner
 * rebuilds in; after each batch of events it runs one set-based query per rule, restricted to
 * what the batch touched, and writes an alert row per finding into rm_alerts.
 *
 * Detection is symmetric: a finding rests on several events (a payment and the household's
 * removal, a payment and the roster entry of the payee's relative), and whichever arrives last
 * raises it. An alert is dated on both axes: `raised_on` is the business date of the event that
 * made the finding true (a payment's date), `recorded_at` the recording time of the last of its
 * evidence, when the books first knew all of it.
 *
 * Thresholds are those of the rule-set version in force on the
 * finding's business date. A version adopted later re-judges the findings from its effective
 * date: those it clears are withdrawn as of its adoption, those it makes are raised as of it,
 * so `knownAt` replays what was found under the rules then known. Two
 * rules are about the passing of time (R-01 no onward movement, R-24 idle money) and are judged
 * at read time from rf_batches and rf_batch_moves (see alert-queries.ts), so an `asOf` answers
 * them for that day.
 */
export const redFlagsProjection = typedProjection({
  name: 'red_flags',
  readsMetadata: false,
  passCost: 101,
  handles: ['RuleSetAdopted', 'FundBatchIssued', 'FundsAllocated', 'FundsReturned', 'ReturnReceived', 'AllocationFundsReturned', 'FundBatchVoided',
    'AllocationVoided', 'ProjectProposed', 'ProjectMilestoneRecorded', 'HouseholdRegistered', 'HouseholdStatusChanged', 'PaymentRequested',
    'PaymentApproved', 'PaymentExecuted', 'PaymentReversed', 'RosterPersonRecorded', 'RosterPersonLeft', 'CaseOpened', 'CaseClosed'],
  // 2: findings a later rule-set version clears are withdrawn, not deleted. 3: the cases that took up each alert.
  // 4: an alert re-raised after a withdrawal is a new row, so each row is one interval of recorded time. 5: payments indexed by project.
  // 6: current alerts judged under the versions known now, and the time-judged rules kept ready (rm_due_alerts), for the usual list.
  // 7: the households linked to the roster (rf_linked_households), so a payment's check reads one row for most payees.
  // 8: a payment's bank reference kept as its key (bankReferenceKey), so R-05 finds one transfer written two ways. 9: dashes of every width read as one.
  // 10: the households each account paid (rf_account_households), so R-05's shared-account check reads one row for most accounts.
  version: 10,
  tables: ['rf_rule_sets', 'rf_batches', 'rf_batch_moves', 'rf_projects', 'rf_milestones', 'rf_households', 'rf_household_members', 'rf_household_status',
    'rf_payments', 'rf_roster', 'rf_roster_relatives', 'rf_linked_households', 'rf_account_households', 'rf_case_alerts', 'rf_cases_closed', 'rm_alerts', 'rm_due_alerts'],
  async setup(q) {
    await runDdl(q, `
      create table if not exists rf_rule_sets (version int primary key, effective_from date not null, body jsonb not null, recorded_at timestamptz not null);
      create table if not exists rf_batches (
        batch_id text primary key, parent_batch_id text, unit_code text not null, amount_fen bigint not null, line_items_fen bigint,
        effective_date date not null, recorded_at timestamptz not null, event_id uuid not null, voided_on date);
      create index if not exists rf_batches_unit_idx on rf_batches (unit_code text_pattern_ops);
      create table if not exists rf_batch_moves (
        event_id uuid primary key, batch_id text not null, direction text not null, amount_fen bigint not null, target_batch_id text,
        effective_date date not null, recorded_at timestamptz not null);
      create index if not exists rf_batch_moves_batch_idx on rf_batch_moves (batch_id, effective_date);
      create index if not exists rf_batch_moves_target_idx on rf_batch_moves (target_batch_id) where target_batch_id is not null;
      create table if not exists rf_projects (project_id text primary key, type text not null, unit_code text not null);
      create table if not exists rf_milestones (
        event_id uuid primary key, project_id text not null, kind text not null, date date not null, public_until date, result text, recorded_at timestamptz not null);
      create index if not exists rf_milestones_project_idx on rf_milestones (project_id);
      create table if not exists rf_households (household_id text primary key, unit_code text not null, registered_on date not null, recorded_at timestamptz not null, event_id uuid not null);
      create table if not exists rf_household_members (household_id text not null, id_ref text not null, birth_year int not null, primary key (household_id, id_ref));
      create index if not exists rf_household_members_ref_idx on rf_household_members (id_ref);
      create table if not exists rf_household_status (
        event_id uuid primary key, household_id text not null, status text not null, date date not null, recorded_at timestamptz not null);
      create index if not exists rf_household_status_idx on rf_household_status (household_id);
      create table if not exists rf_payments (
        payment_id text primary key, project_id text not null, unit_code text not null, payee_type text not null, payee_id text not null, account_ref text not null,
        amount_fen bigint not null, installment text not null, requested_by text not null, requested_on date not null, request_event uuid not null,
        request_recorded_at timestamptz not null, approved_by text, approval_event uuid, approval_recorded_at timestamptz,
        channel text, bank_reference text, executed_on date, execution_event uuid, execution_recorded_at timestamptz, reversed boolean not null default false);
      create index if not exists rf_payments_payee_idx on rf_payments (payee_id);
      create index if not exists rf_payments_project_idx on rf_payments (project_id);
      create index if not exists rf_payments_account_idx on rf_payments (account_ref);
      create index if not exists rf_payments_bankref_idx on rf_payments (channel, bank_reference) where bank_reference is not null;
      create table if not exists rf_roster (
        person_id text primary key, role text not null, unit_code text not null, id_ref text not null, account_ref text, from_date date not null,
        left_on date, event_id uuid not null, recorded_at timestamptz not null);
      create index if not exists rf_roster_id_idx on rf_roster (id_ref);
      create index if not exists rf_roster_account_idx on rf_roster (account_ref) where account_ref is not null;
      create table if not exists rf_roster_relatives (person_id text not null, id_ref text not null, primary key (person_id, id_ref));
      create index if not exists rf_roster_relatives_ref_idx on rf_roster_relatives (id_ref);
      -- The households with a member whose identity number is a roster person's or a roster person's relative's. Members, roster and
      -- relatives are only ever added, so the set only grows: which link holds on a payment's date is left to the detector.
      create table if not exists rf_linked_households (household_id text primary key);
      -- Each account and the households an executed payment paid into it. Executions are only ever added, so the pairs only grow;
      -- an account with two rows is one R-05 looks at closely (counted from the payments, a county's accounts read a dozen each).
      create table if not exists rf_account_households (account_ref text not null, household_id text not null, primary key (account_ref, household_id));
      create table if not exists rf_case_alerts (alert_id text not null, case_id text not null, opened_on date not null, recorded_at timestamptz not null,
        primary key (alert_id, case_id));
      create table if not exists rf_cases_closed (case_id text primary key, closed_on date not null, recorded_at timestamptz not null);
      create table if not exists rm_alerts (
        alert_id text not null, rule_id text not null, variant text not null, subject_kind text not null, subject_id text not null, unit_code text not null,
        amount_fen bigint, measure bigint, evidence jsonb not null, detail jsonb not null, raised_on date not null, recorded_at timestamptz not null,
        withdrawn_at timestamptz, rejudged boolean not null default false,
        -- A current row judged under the rule-set versions known now: the version in force on raised_on, and what it says of the rule.
        -- Null until judged (by judge() after each batch), and again when a new version is adopted or the row is raised on another day.
        version int, enabled boolean, severity text);
      create index if not exists rm_alerts_unit_idx on rm_alerts (unit_code text_pattern_ops, raised_on);
      create index if not exists rm_alerts_raised_idx on rm_alerts (raised_on, alert_id);
      -- One row per alert and interval of recorded time [recorded_at, withdrawn_at): at most one current row per alert.
      create unique index if not exists rm_alerts_current_idx on rm_alerts (alert_id) where withdrawn_at is null;
      create unique index if not exists rm_alerts_interval_idx on rm_alerts (alert_id, recorded_at);
      create index if not exists rm_alerts_subject_idx on rm_alerts (subject_kind, subject_id);
      create index if not exists rm_alerts_unjudged_idx on rm_alerts (alert_id) where version is null and withdrawn_at is null;
      -- The usual list's page: current alerts newest first, read from the index alone.
      create index if not exists rm_alerts_list_idx on rm_alerts (raised_on, alert_id)
        include (rule_id, variant, subject_kind, subject_id, unit_code, recorded_at, version, enabled, severity) where withdrawn_at is null;
      -- The usual list's counts: only the alerts it shows, with the columns it filters and counts by, narrow enough that a
      -- county's thousands are read from a few dozen pages (the table itself, evidence and detail in each row, is ten times that).
      create index if not exists rm_alerts_count_idx on rm_alerts (raised_on) include (severity, unit_code, rule_id, variant, subject_kind)
        where withdrawn_at is null and version is not null and enabled;
      -- Rows are updated as they are judged: vacuumed often, the pages stay all-visible and those counts never visit the table.
      alter table rm_alerts set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02);
      -- R-01 no onward movement and R-24 idle money as the books stand now, under the versions known now: one row per batch that falls
      -- due (on raised_on, and the list shows those due by its asOf). Worked out again for every batch a batch of events touches.
      create table if not exists rm_due_alerts (
        alert_id text primary key, rule_id text not null, variant text not null, subject_kind text not null, subject_id text not null, unit_code text not null,
        amount_fen bigint, measure bigint, evidence jsonb not null, detail jsonb not null, raised_on date not null, recorded_at timestamptz not null,
        version int not null, enabled boolean not null, severity text not null);
      create index if not exists rm_due_alerts_batch_idx on rm_due_alerts (subject_id);
      create index if not exists rm_due_alerts_unit_idx on rm_due_alerts (unit_code text_pattern_ops, raised_on);
      create index if not exists rm_due_alerts_raised_idx on rm_due_alerts (raised_on, alert_id)`);
  },
  async apply(tx, events) {
    // Segments split at each rule-set adoption: what came before is judged by the old version, then the new one re-judges, then the rest follows it.
    let t = new Touched();
    let rows = new Rows();
    const flush = async () => {
      await rows.write(tx);
      // Updates that need the row written before them (a decision or an execution of a payment requested in an earlier batch).
      await rows.updatePayments(tx);
      for (const u of rows.otherUpdates) await tx.query(u.sql, u.params);
      await rows.link(tx);
      await pairAccounts(tx, t);
      if (!t.empty()) {
        await detect(tx, t);
        if (t.batches.size) await refreshDue(tx, [...t.batches]);
        await judge(tx);
      }
      t = new Touched();
      rows = new Rows();
    };
    for (const e of events) {
      if (e.type === 'RuleSetAdopted') {
        await flush();
        await tx.query('insert into rf_rule_sets values ($1, $2::date, $3::jsonb, $4::timestamptz) on conflict do nothing',
          [e.data.version, e.data.effectiveFrom, JSON.stringify(e.data), e.recordedAt.toISOString()]);
        await rejudge(tx, e.data.effectiveFrom, e.recordedAt.toISOString());
        // Every current alert, and every batch's time-judged rules, read again under the versions known now.
        await tx.query('update rm_alerts set version = null, enabled = null where withdrawn_at is null and version is not null');
        await refreshDue(tx, 'all');
        await judge(tx);
        continue;
      }
      collect(e, rows, t);
    }
    await flush();
  },
});

type Update = { sql: string; params: unknown[] };

/** Adds each account and household this batch's executions paid, once their rows hold the executions. */
async function pairAccounts(tx: SqlExecutor, t: Touched) {
  if (!t.executed.size) return;
  await tx.query(`insert into rf_account_households (account_ref, household_id)
    select distinct p.account_ref, p.payee_id from rf_payments p where p.payment_id = any($1::text[]) and p.payee_type = 'household' and p.executed_on is not null
    on conflict do nothing`, [[...t.executed]]);
}

/** The ids this batch of events touched, by kind: the detection queries look no further. */
class Touched {
  /** Payments by the step this batch recorded: each rule looks at the step its finding rests on. */
  requested = new Set<string>();
  approved = new Set<string>();
  executed = new Set<string>();
  households = new Set<string>();
  projects = new Set<string>();
  batches = new Set<string>();
  idRefs = new Set<string>();
  accounts = new Set<string>();
  roster = new Set<string>();
  empty() {
    return !this.requested.size && !this.approved.size && !this.executed.size && !this.households.size && !this.projects.size && !this.batches.size && !this.idRefs.size && !this.roster.size;
  }
}

/** Column positions of a payment row, for completing it in memory. */
const PAY = { approvedBy: 12, approvalEvent: 13, approvalAt: 14, channel: 15, bankReference: 16, executedOn: 17, executionEvent: 18, executionAt: 19, reversed: 20 };

class Rows {
  batches: unknown[][] = [];
  moves: unknown[][] = [];
  projects: unknown[][] = [];
  milestones: unknown[][] = [];
  households: unknown[][] = [];
  members: unknown[][] = [];
  statuses: unknown[][] = [];
  roster: unknown[][] = [];
  relatives: unknown[][] = [];
  caseAlerts: unknown[][] = [];
  casesClosed: unknown[][] = [];
  /** Payments requested in this batch, completed in memory by their decisions and executions in the same batch. */
  payments = new Map<string, unknown[]>();
  approvals: unknown[][] = [];
  executions: unknown[][] = [];
  reversals: string[] = [];
  otherUpdates: Update[] = [];

  /** One statement per kind of step for the payments requested earlier: a county's catch-up has hundreds per batch. */
  async updatePayments(tx: SqlExecutor) {
    const col = (rows: unknown[][], i: number) => rows.map((r) => r[i]);
    if (this.approvals.length) {
      await tx.query(`update rf_payments p set approved_by = v.by, approval_event = v.ev, approval_recorded_at = v.at
        from unnest($1::text[], $2::text[], $3::uuid[], $4::timestamptz[]) v(id, by, ev, at) where p.payment_id = v.id`,
      [col(this.approvals, 0), col(this.approvals, 1), col(this.approvals, 2), col(this.approvals, 3)]);
    }
    if (this.executions.length) {
      await tx.query(`update rf_payments p set channel = v.channel, bank_reference = v.ref, executed_on = v.day, execution_event = v.ev, execution_recorded_at = v.at
        from unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::uuid[], $6::timestamptz[]) v(id, channel, ref, day, ev, at) where p.payment_id = v.id`,
      [0, 1, 2, 3, 4, 5].map((i) => col(this.executions, i)));
    }
    if (this.reversals.length) await tx.query('update rf_payments set reversed = true where payment_id = any($1::text[])', [this.reversals]);
  }

  /**
   * Adds the households this batch linked to the roster: a new member whose identity number the roster (or a roster person's
   * relatives) holds, or a new roster person or relative who is a registered member, whichever was recorded first.
   */
  async link(tx: SqlExecutor) {
    const ids = new Set<string>();
    for (const m of this.members) ids.add(m[1] as string);
    for (const r of this.roster) ids.add(r[3] as string);
    for (const k of this.relatives) ids.add(k[1] as string);
    if (!ids.size) return;
    await tx.query(`insert into rf_linked_households (household_id)
      select distinct m.household_id from rf_household_members m
      where m.id_ref = any($1::text[])
        and (exists (select 1 from rf_roster r where r.id_ref = m.id_ref) or exists (select 1 from rf_roster_relatives k where k.id_ref = m.id_ref))
      on conflict do nothing`, [[...ids]]);
  }

  async write(tx: SqlExecutor) {
    await insertMany(tx, 'rf_batches', ['batch_id', 'parent_batch_id', 'unit_code', 'amount_fen', 'line_items_fen', 'effective_date', 'recorded_at', 'event_id'],
      ['', '', '', 'bigint', 'bigint', 'date', 'timestamptz', 'uuid'], this.batches, 'on conflict do nothing');
    await appendRows(tx, 'rf_batch_moves', ['event_id', 'batch_id', 'direction', 'amount_fen', 'target_batch_id', 'effective_date', 'recorded_at'],
      ['uuid', '', '', 'bigint', '', 'date', 'timestamptz'], this.moves);
    await insertMany(tx, 'rf_projects', ['project_id', 'type', 'unit_code'], [], this.projects, 'on conflict do nothing');
    await appendRows(tx, 'rf_milestones', ['event_id', 'project_id', 'kind', 'date', 'public_until', 'result', 'recorded_at'],
      ['uuid', '', '', 'date', 'date', '', 'timestamptz'], this.milestones);
    await insertMany(tx, 'rf_households', ['household_id', 'unit_code', 'registered_on', 'recorded_at', 'event_id'], ['', '', 'date', 'timestamptz', 'uuid'],
      this.households, 'on conflict do nothing');
    await insertMany(tx, 'rf_household_members', ['household_id', 'id_ref', 'birth_year'], ['', '', 'int'], this.members, 'on conflict do nothing');
    await appendRows(tx, 'rf_household_status', ['event_id', 'household_id', 'status', 'date', 'recorded_at'], ['uuid', '', '', 'date', 'timestamptz'],
      this.statuses);
    await appendRows(tx, 'rf_payments', ['payment_id', 'project_id', 'unit_code', 'payee_type', 'payee_id', 'account_ref', 'amount_fen', 'installment', 'requested_by',
      'requested_on', 'request_event', 'request_recorded_at', 'approved_by', 'approval_event', 'approval_recorded_at', 'channel', 'bank_reference', 'executed_on',
      'execution_event', 'execution_recorded_at', 'reversed'], ['', '', '', '', '', '', 'bigint', '', '', 'date', 'uuid', 'timestamptz', '', 'uuid', 'timestamptz', '', '',
      'date', 'uuid', 'timestamptz', 'boolean'], [...this.payments.values()]);
    await insertMany(tx, 'rf_roster', ['person_id', 'role', 'unit_code', 'id_ref', 'account_ref', 'from_date', 'event_id', 'recorded_at'],
      ['', '', '', '', '', 'date', 'uuid', 'timestamptz'], this.roster, 'on conflict do nothing');
    await insertMany(tx, 'rf_roster_relatives', ['person_id', 'id_ref'], [], this.relatives, 'on conflict do nothing');
    await insertMany(tx, 'rf_case_alerts', ['alert_id', 'case_id', 'opened_on', 'recorded_at'], ['', '', 'date', 'timestamptz'], this.caseAlerts, 'on conflict do nothing');
    await insertMany(tx, 'rf_cases_closed', ['case_id', 'closed_on', 'recorded_at'], ['', 'date', 'timestamptz'], this.casesClosed, 'on conflict do nothing');
  }
}

type RedFlagEvent = Recorded<(typeof redFlagsProjection.handles)[number]>;

function collect(e: RedFlagEvent, r: Rows, t: Touched) {
  const at = e.recordedAt.toISOString();
  switch (e.type) {
    case 'FundBatchIssued': {
      const x = e.data;
      const lines = x.lineItems?.length ? x.lineItems.reduce((s, l) => s + BigInt(l.amountFen), 0n).toString() : null;
      r.batches.push([x.batchId, x.parentBatchId, x.recipientUnitCode, x.amountFen, lines, x.effectiveDate, at, e.id]);
      t.batches.add(x.batchId);
      return;
    }
    case 'FundsAllocated': {
      const x = e.data;
      r.moves.push([e.id, x.batchId, 'out', x.amountFen, x.target.type === 'batch' ? x.target.batchId : null, x.effectiveDate, at]);
      t.batches.add(x.batchId);
      if (x.target.type === 'batch') t.batches.add(x.target.batchId);
      return;
    }
    case 'FundsReturned':
      r.moves.push([e.id, e.data.batchId, 'out', e.data.amountFen, null, e.data.effectiveDate, at]);
      t.batches.add(e.data.batchId);
      return;
    case 'ReturnReceived':
    case 'AllocationFundsReturned':
    // A voided child's money is back in the parent, as if never allocated.
    case 'AllocationVoided':
      r.moves.push([e.id, e.data.batchId, 'in', e.data.amountFen, null, e.data.effectiveDate, at]);
      t.batches.add(e.data.batchId);
      return;
    case 'FundBatchVoided':
      r.otherUpdates.push({ sql: 'update rf_batches set voided_on = $2::date where batch_id = $1', params: [e.data.batchId, e.data.effectiveDate] });
      t.batches.add(e.data.batchId);
      return;
    case 'ProjectProposed':
      r.projects.push([e.data.projectId, e.data.type, e.data.unitCode]);
      return;
    case 'ProjectMilestoneRecorded': {
      const m = e.data;
      if (m.kind !== 'publicized' && m.kind !== 'accepted') return;
      r.milestones.push([e.id, m.projectId, m.kind, m.date, m.publicUntil, m.result, at]);
      t.projects.add(m.projectId);
      return;
    }
    case 'HouseholdRegistered': {
      const x = e.data;
      r.households.push([x.householdId, x.unitCode, x.registeredOn, at, e.id]);
      for (const m of x.members) {
        r.members.push([x.householdId, m.idRef, m.birthYear]);
        t.idRefs.add(m.idRef);
      }
      t.households.add(x.householdId);
      return;
    }
    case 'HouseholdStatusChanged':
      r.statuses.push([e.id, e.data.householdId, e.data.status, e.data.date, at]);
      t.households.add(e.data.householdId);
      return;
    case 'PaymentRequested': {
      const x = e.data;
      r.payments.set(x.paymentId, [x.paymentId, x.projectId, x.unitCode, x.payee.type, x.payee.id, x.payee.accountRef, x.amountFen, x.installment, x.requestedBy,
        x.effectiveDate, e.id, at, null, null, null, null, null, null, null, null, false]);
      t.requested.add(x.paymentId);
      return;
    }
    case 'PaymentApproved': {
      const row = r.payments.get(e.data.paymentId);
      if (row) [row[PAY.approvedBy], row[PAY.approvalEvent], row[PAY.approvalAt]] = [e.data.approvedBy, e.id, at];
      else r.approvals.push([e.data.paymentId, e.data.approvedBy, e.id, at]);
      t.approved.add(e.data.paymentId);
      return;
    }
    case 'PaymentExecuted': {
      const x = e.data, row = r.payments.get(x.paymentId);
      // The reference as the bank reads it (bankReferenceKey): R-05 compares these, as the command's uniqueness does.
      const key = bankReferenceKey(x.bankReference);
      if (row) [row[PAY.channel], row[PAY.bankReference], row[PAY.executedOn], row[PAY.executionEvent], row[PAY.executionAt]] = [x.channel, key, x.effectiveDate, e.id, at];
      else r.executions.push([x.paymentId, x.channel, key, x.effectiveDate, e.id, at]);
      t.executed.add(x.paymentId);
      return;
    }
    case 'PaymentReversed': {
      // A recovered payment stays a finding (it was paid); the flag on it says it was recovered.
      const row = r.payments.get(e.data.paymentId);
      if (row) row[PAY.reversed] = true;
      else r.reversals.push(e.data.paymentId);
      return;
    }
    case 'RosterPersonRecorded': {
      const x = e.data;
      r.roster.push([x.personId, x.role, x.unitCode, x.idRef, x.accountRef, x.from, e.id, at]);
      for (const rel of x.relatives) r.relatives.push([x.personId, rel.idRef]);
      t.roster.add(x.personId);
      return;
    }
    case 'CaseOpened':
      // An alert taken up by a case is under verification; once the case is closed it is 销号.
      for (const a of e.data.alertIds) r.caseAlerts.push([a, e.data.caseId, e.data.effectiveDate, at]);
      return;
    case 'CaseClosed':
      r.casesClosed.push([e.data.caseId, e.data.effectiveDate, at]);
      return;
    case 'RosterPersonLeft':
      r.otherUpdates.push({ sql: 'update rf_roster set left_on = $2::date where person_id = $1', params: [e.data.personId, e.data.date] });
      t.roster.add(e.data.personId);
      return;
  }
}

/**
 * The rule-set versions as a SQL relation, and a lateral lookup of the one in force on a date:
 * `${inForce('p.executed_on')}` yields `rs.body` for the row.
 */
const RULES_CTE = `rules as (
  select 1 as version, @d0 as effective_from, @body0 as body
  union all select version, effective_from, body from rf_rule_sets)`;
const inForce = (date: string) =>
  `cross join lateral (select body from rules where effective_from <= ${date} order by effective_from desc, version desc limit 1) rs`;
const param = (rule: string, name: string, cast: string) => `(rs.body->'rules'->'${rule}'->'params'->>'${name}')::${cast}`;

/**
 * Ends a subquery that must be answered row by row through its index. An OFFSET keeps PostgreSQL
 * from pulling the subquery up into a join (or a NOT EXISTS into an anti join), which at county
 * scale it plans as a scan of the whole table for each batch of a few hundred payments.
 */
const BY_INDEX = 'offset 0';

/** Greatest of timestamps, ignoring nulls: when the books knew every piece of evidence (and, on a re-judgement, the new rules). */
const knownBy = (...cols: string[]) => `greatest(${cols.join(', ')}, @floor)`;

/** The findings whose thresholds come from the rule set: a new version re-judges them from its effective date. */
const THRESHOLD_RULES = ['R-05.shared_account', 'R-10.paid_without_full_publicity', 'R-21.industry_over_cap', 'R-21.education_off_standard', 'R-35.cash_to_individual'];

/** Named parameters (@name) with their casts, numbered for the driver. */
function named(sql: string, values: Record<string, [unknown, string]>): [string, unknown[]] {
  const params: unknown[] = [];
  const index = new Map<string, number>();
  const text = sql.replace(/@([a-zA-Z0-9]+)/g, (_, name: string) => {
    const v = values[name];
    if (!v) throw new Error(`no value for @${name}`);
    if (!index.has(name)) {
      params.push(v[0]);
      index.set(name, params.length);
    }
    return `$${index.get(name)}::${v[1]}`;
  });
  return [text, params];
}

/**
 * Runs the rules over what `t` touched; or, on a re-judgement (`rejudge`), runs the threshold
 * rules over every finding dated from the new version's effective date, dating what is newly
 * found no earlier than the version's adoption.
 */
async function detect(tx: SqlExecutor, t: Touched, rejudge?: { since: string; at: string }) {
  const all = rejudge !== undefined;
  const values: Record<string, [unknown, string]> = {
    ...TERMS_PARAMS,
    since: [rejudge?.since ?? '0001-01-01', 'date'], floor: [rejudge?.at ?? '1970-01-01T00:00:00Z', 'timestamptz'],
    requested: [[...t.requested], 'text[]'], approved: [[...t.approved], 'text[]'], executed: [[...t.executed], 'text[]'], households: [[...t.households], 'text[]'], projects: [[...t.projects], 'text[]'], batches: [[...t.batches], 'text[]'],
    idRefs: [[...t.idRefs], 'text[]'], roster: [[...t.roster], 'text[]'],
  };
  const run = (sql: string) => tx.query(...named(sql, values));
  // What the batch touched, or everything on a re-judgement: written out, never as `@all or …`, which no index can serve.
  const touching = (condition: string) => (all ? 'true' : condition);
  const has = (...sets: Array<Set<string>>) => all || sets.some((s) => s.size > 0);
  // Every rule writes the same columns. A finding found again takes what the books now say (an earlier-dated payment recorded later can
  // move the day an account became shared), and keeps the earliest time it was known: the row ends the same however the log was batched.
  // One withdrawn and found again by a later version is a new row from that version's adoption.
  const insert = (select: string) => `with ${RULES_CTE}
    insert into rm_alerts (alert_id, rule_id, variant, subject_kind, subject_id, unit_code, amount_fen, measure, evidence, detail, raised_on, recorded_at)
    ${select}
    on conflict (alert_id) where withdrawn_at is null do update set amount_fen = excluded.amount_fen, measure = excluded.measure, detail = excluded.detail,
      evidence = excluded.evidence, raised_on = excluded.raised_on, recorded_at = least(rm_alerts.recorded_at, excluded.recorded_at), rejudged = false,
      -- Raised on another day, it may fall under another version: judged again.
      version = case when rm_alerts.raised_on = excluded.raised_on then rm_alerts.version end,
      enabled = case when rm_alerts.raised_on = excluded.raised_on then rm_alerts.enabled end`;
  const alertId = (rule: string, variant: string, kind: string, subject: string) => `'${rule}.${variant}.${kind}.' || ${subject}`;

  if (!all && has(t.requested, t.households)) {
    // a household payee not registered, or removed, on the payment date.
    await run(insert(`
      select ${alertId('R-05', 'payee_not_registered', 'payment', 'p.payment_id')}, 'R-05', 'payee_not_registered', 'payment', p.payment_id, p.unit_code, p.amount_fen, null,
        jsonb_build_array(p.request_event), jsonb_build_object('householdId', p.payee_id, 'registeredOn', h.registered_on), p.requested_on,
        ${knownBy('p.request_recorded_at', 'h.recorded_at')}
      from rf_payments p left join rf_households h on h.household_id = p.payee_id
      where p.payee_type = 'household' and (h.household_id is null or h.registered_on > p.requested_on)
        and (p.payment_id = any(@requested) or p.payee_id = any(@households))`));
    await run(insert(`
      select ${alertId('R-05', 'payee_removed', 'payment', 'p.payment_id')}, 'R-05', 'payee_removed', 'payment', p.payment_id, p.unit_code, p.amount_fen, null,
        jsonb_build_array(p.request_event, s.event_id), jsonb_build_object('householdId', p.payee_id, 'removedOn', s.date), p.requested_on,
        ${knownBy('p.request_recorded_at', 's.recorded_at')}
      from rf_payments p join lateral (
        select * from rf_household_status s where s.household_id = p.payee_id and s.status = 'removed' and s.date <= p.requested_on order by s.date limit 1) s on true
      where p.payee_type = 'household' and (p.payment_id = any(@requested) or p.payee_id = any(@households))`));
  }
  if (!all && t.idRefs.size) {
    // one identity number in two registered households (the later registration is the finding).
    await run(insert(`
      select distinct on (h2.household_id) ${alertId('R-05', 'identity_in_two_households', 'household', 'h2.household_id')}, 'R-05', 'identity_in_two_households', 'household', h2.household_id,
        h2.unit_code, null, null, jsonb_build_array(h1.event_id, h2.event_id), jsonb_build_object('otherHouseholdId', h1.household_id), h2.registered_on,
        ${knownBy('h1.recorded_at', 'h2.recorded_at')}
      from rf_household_members m2 join rf_household_members m1 on m1.id_ref = m2.id_ref and m1.household_id <> m2.household_id
        join rf_households h1 on h1.household_id = m1.household_id join rf_households h2 on h2.household_id = m2.household_id
      where m2.id_ref = any(@idRefs) and (h1.registered_on, h1.household_id) < (h2.registered_on, h2.household_id)
        and not exists (select 1 from rf_household_status s where s.household_id = h1.household_id and s.status = 'removed' and s.date <= h2.registered_on)
      -- A household sharing members with several others is one finding, naming the earliest of them.
      order by h2.household_id, h1.registered_on, h1.household_id`));
  }
  if (has(t.executed)) {
    // one bank account paid for several households; raised on the day the account reached the rule's number of households,
    // and known when the books first held that many (the k-th household's first payment by recording time), whatever the batching.
    // The threshold is the version's in force the day the account was first shared.
    // Each account is read through its index (correlated subqueries, not a join the planner would answer by scanning every payment).
    const household = (alias: string) => `${alias}.account_ref = s.account_ref and ${alias}.payee_type = 'household' and ${alias}.executed_on is not null`;
    const shared = all
      ? `select c.account_ref from rf_account_households c group by c.account_ref having count(*) >= 2`
      // Only accounts that paid two households or more are looked at closely; most accounts are one household's.
      : `select s.account_ref from (select distinct account_ref from rf_payments where payment_id = any(@executed) and payee_type = 'household') s
         where (select count(*) from (select 1 from rf_account_households c where c.account_ref = s.account_ref limit 2) c) >= 2`;
    await run(insert(`
      select * from (
      select ${alertId('R-05', 'shared_account', 'account', 's.account_ref')}, 'R-05', 'shared_account', 'account', s.account_ref, a.unit_code, a.total,
        cardinality(f.firsts), a.evidence, jsonb_build_object('households', a.household_ids), f.firsts[${param('R-05', 'sharedAccountMinHouseholds', 'int')}] as raised_on,
        greatest(f.known[${param('R-05', 'sharedAccountMinHouseholds', 'int')}], @floor)
      from (${shared}) s
        cross join lateral (
          select min(p.unit_code) as unit_code, sum(p.amount_fen) as total,
            jsonb_agg(p.execution_event order by p.executed_on, p.payment_id) as evidence, jsonb_agg(distinct p.payee_id) as household_ids
          from rf_payments p where ${household('p')}) a
        -- Each household's first payment into the account, by business date and by recording time.
        cross join lateral (
          select array_agg(z.first_paid order by z.first_paid) as firsts, array_agg(z.first_known order by z.first_known) as known
          from (select min(q.executed_on) as first_paid, min(q.execution_recorded_at) as first_known from rf_payments q where ${household('q')} group by q.payee_id) z) f
      ${inForce('f.firsts[2]')}
      where cardinality(f.firsts) >= ${param('R-05', 'sharedAccountMinHouseholds', 'int')}) x where x.raised_on >= @since`));
  }
  if (!all && t.executed.size) {
    // one bank reference on two executed payments of a channel; the later is the finding, whichever of the two this batch executed.
    const pair = (driver: 'p' | 'o') => `
      select ${alertId('R-05', 'duplicate_bank_reference', 'payment', 'p.payment_id')}, 'R-05', 'duplicate_bank_reference', 'payment', p.payment_id, p.unit_code,
        p.amount_fen, null::bigint, jsonb_build_array(o.execution_event, p.execution_event), jsonb_build_object('otherPaymentId', o.payment_id, 'channel', p.channel), p.executed_on,
        ${knownBy('p.execution_recorded_at', 'o.execution_recorded_at')}
      from rf_payments ${driver} join rf_payments ${driver === 'p' ? 'o' : 'p'} on o.channel = p.channel and o.bank_reference = p.bank_reference
        and (o.executed_on, o.payment_id) < (p.executed_on, p.payment_id)
      where ${driver}.payment_id = any(@executed) and ${driver}.bank_reference is not null`;
    await run(insert(`select distinct on (1) * from (${pair('p')} union all ${pair('o')}) x order by 1`));
  }
  if (!all && t.approved.size) {
    // the approver approved their own request, or a payment to themself.
    for (const [variant, column] of [['approver_is_requester', 'p.requested_by'], ['approver_is_payee', 'p.payee_id']] as const) {
      await run(insert(`
        select ${alertId('R-30', variant, 'payment', 'p.payment_id')}, 'R-30', '${variant}', 'payment', p.payment_id, p.unit_code, p.amount_fen, null,
          jsonb_build_array(p.request_event, p.approval_event), jsonb_build_object('approvedBy', p.approved_by, 'requestedBy', p.requested_by, 'payeeId', p.payee_id),
          p.requested_on, ${knownBy('p.request_recorded_at', 'p.approval_recorded_at')}
        from rf_payments p
        where p.payment_id = any(@approved) and p.approved_by is not null and p.approved_by = ${column}`));
    }
  }
  if (has(t.executed)) {
    // cash over the limit to an individual, from the rule's date.
    await run(insert(`
      select ${alertId('R-35', 'cash_to_individual', 'payment', 'p.payment_id')}, 'R-35', 'cash_to_individual', 'payment', p.payment_id, p.unit_code, p.amount_fen,
        ${param('R-35', 'cashLimitFen', 'bigint')}, jsonb_build_array(p.execution_event), jsonb_build_object('channel', p.channel, 'payeeType', p.payee_type),
        p.executed_on, greatest(p.execution_recorded_at, @floor)
      from rf_payments p ${inForce('p.executed_on')}
      where ${touching('p.payment_id = any(@executed)')} and p.executed_on >= @since and p.channel = 'cash' and p.payee_type in ('household', 'person')
        and p.executed_on >= ${param('R-35', 'cashRuleFrom', 'date')} and p.amount_fen > ${param('R-35', 'cashLimitFen', 'bigint')}`));
  }
  if (!all && has(t.requested, t.projects)) {
    // a final installment requested with no passed acceptance on or before its date.
    await run(insert(`
      select ${alertId('R-14', 'final_paid_before_acceptance', 'payment', 'p.payment_id')}, 'R-14', 'final_paid_before_acceptance', 'payment', p.payment_id, p.unit_code,
        p.amount_fen, null, jsonb_build_array(p.request_event), jsonb_build_object('projectId', p.project_id), p.requested_on, greatest(p.request_recorded_at, @floor)
      from rf_payments p
      where p.installment = 'final' and (p.payment_id = any(@requested) or p.project_id = any(@projects))
        and not exists (select 1 from rf_milestones m where m.project_id = p.project_id and m.kind = 'accepted' and m.result = 'passed' and m.date <= p.requested_on
          and m.recorded_at <= p.request_recorded_at ${BY_INDEX})`));
  }
  if (has(t.requested, t.projects)) {
    // no 公示 of the minimum length that ended before the payment was requested (and was known by then).
    await run(insert(`
      select ${alertId('R-10', 'paid_without_full_publicity', 'payment', 'p.payment_id')}, 'R-10', 'paid_without_full_publicity', 'payment', p.payment_id, p.unit_code,
        p.amount_fen, ${param('R-10', 'publicityMinDays', 'int')}, jsonb_build_array(p.request_event),
        jsonb_build_object('projectId', p.project_id, 'longestNoticeDays', (select max(m.public_until - m.date + 1) from rf_milestones m
          where m.project_id = p.project_id and m.kind = 'publicized' and m.public_until < p.requested_on)), p.requested_on, greatest(p.request_recorded_at, @floor)
      from rf_payments p ${inForce('p.requested_on')}
      where ${touching('(p.payment_id = any(@requested) or p.project_id = any(@projects))')} and p.requested_on >= @since
        and not exists (select 1 from rf_milestones m where m.project_id = p.project_id and m.kind = 'publicized' and m.public_until < p.requested_on
          and m.recorded_at <= p.request_recorded_at and m.public_until - m.date + 1 >= ${param('R-10', 'publicityMinDays', 'int')} ${BY_INDEX})`));
  }
  if (has(t.executed)) {
    // industry support to one household beyond the cumulative cap (the payment that crossed it is the evidence).
    // The households this batch paid from industry projects first, then their industry payments by index.
    const payees = all
      ? `select distinct q.payee_id from rf_payments q join rf_projects qj on qj.project_id = q.project_id where qj.type = 'INDUSTRY' and q.payee_type = 'household'`
      : `select distinct q.payee_id from rf_payments q join rf_projects qj on qj.project_id = q.project_id
         where q.payment_id = any(@executed) and qj.type = 'INDUSTRY' and q.payee_type = 'household'`;
    await run(insert(`
      with payees as (${payees})
      select ${alertId('R-21', 'industry_over_cap', 'household', 'c.payee_id')}, 'R-21', 'industry_over_cap', 'household', c.payee_id, c.unit_code, c.running,
        ${param('R-21', 'industryCapFen', 'bigint')}, jsonb_build_array(c.execution_event), jsonb_build_object('paymentId', c.payment_id), c.executed_on,
        greatest(c.execution_recorded_at, @floor)
      from (
        select p.*, sum(p.amount_fen) over (partition by p.payee_id order by p.executed_on, p.payment_id) as running
        from payees y join rf_payments p on p.payee_id = y.payee_id join rf_projects j on j.project_id = p.project_id
        where j.type = 'INDUSTRY' and p.payee_type = 'household' and p.executed_on is not null) c
      ${inForce('c.executed_on')}
      where c.executed_on >= @since and c.running > ${param('R-21', 'industryCapFen', 'bigint')}
        and c.running - c.amount_fen <= ${param('R-21', 'industryCapFen', 'bigint')}`));
  }
  if (has(t.executed, t.households)) {
    // an education subsidy that is not the standard for the household's pupils that year.
    await run(insert(`
      select ${alertId('R-21', 'education_off_standard', 'payment', 'x.payment_id')}, 'R-21', 'education_off_standard', 'payment', x.payment_id, x.unit_code, x.amount_fen,
        x.standard, jsonb_build_array(x.execution_event, x.household_event), jsonb_build_object('householdId', x.payee_id, 'primary', x.primary_n, 'secondary', x.secondary_n),
        x.executed_on, ${knownBy('x.execution_recorded_at', 'x.household_recorded_at')}
      from (
        select p.*, h.event_id as household_event, h.recorded_at as household_recorded_at, n.primary_n, n.secondary_n,
          n.primary_n * ${param('R-21', 'primaryStudentFen', 'bigint')} + n.secondary_n * ${param('R-21', 'secondaryStudentFen', 'bigint')} as standard
        from rf_payments p join rf_households h on h.household_id = p.payee_id
          ${inForce('p.executed_on')}
          cross join lateral (
            select count(*) filter (where extract(year from p.executed_on)::int - m.birth_year between 6 and 12) as primary_n,
                   count(*) filter (where extract(year from p.executed_on)::int - m.birth_year between 13 and 18) as secondary_n
            from rf_household_members m where m.household_id = p.payee_id) n
        -- The project's type looked up per payment: joined, the planner would read every payment of the programme to find this batch's.
        where (select j.type from rf_projects j where j.project_id = p.project_id) = 'EDUCATION' and p.payee_type = 'household' and p.executed_on is not null
          and p.executed_on >= @since
          and ${touching('(p.payment_id = any(@executed) or p.payee_id = any(@households))')}) x
      where x.amount_fen <> x.standard`));
  }
  if (!all && has(t.executed, t.idRefs, t.roster)) {
    // a payee household with a cadre, a helper or a relative of a roster person in it, or an account of a work-team member.
    // One branch per link and per kind of thing the batch touched, each driven from the touched rows through an index: an `or` across
    // tables would make the planner join every payment with the roster.
    // Each branch carries the payment's columns it needs, so nothing joins the payments again afterwards.
    const cols = (link: string) => `p.payment_id, p.unit_code, p.amount_fen, p.payee_id, p.execution_event, p.executed_on, p.execution_recorded_at,
      r.person_id, r.role, '${link}' as link, r.event_id as roster_event, r.recorded_at as roster_recorded_at, r.from_date, r.left_on`;
    const self = `rf_payments p join rf_household_members m on m.household_id = p.payee_id join rf_roster r on r.id_ref = m.id_ref`;
    const relative = `rf_payments p join rf_household_members m on m.household_id = p.payee_id join rf_roster_relatives k on k.id_ref = m.id_ref
          join rf_roster r on r.person_id = k.person_id`;
    const account = `rf_payments p join rf_roster r on r.account_ref = p.account_ref`;
    // From this batch's payments, each step a lookup by index: joined, the planner would hash every household's members and the whole
    // roster for a few hundred payments.
    const step = (table: string, alias: string, on: string) => `cross join lateral (select * from ${table} ${alias} where ${on} ${BY_INDEX}) ${alias}`;
    // Only a payee linked to the roster (rf_linked_households) can have a member on it or related to it: most payees are not, and
    // their payments stop at that one lookup instead of reading each member and probing the roster and the relatives with each.
    const members = `${step('rf_linked_households', 'lh', 'lh.household_id = p.payee_id')} ${step('rf_household_members', 'm', 'm.household_id = p.payee_id')}`;
    const fromPayments = {
      self: `rf_payments p ${members} ${step('rf_roster', 'r', 'r.id_ref = m.id_ref')}`,
      relative: `rf_payments p ${members} ${step('rf_roster_relatives', 'k', 'k.id_ref = m.id_ref')} ${step('rf_roster', 'r', 'r.person_id = k.person_id')}`,
      account: `rf_payments p ${step('rf_roster', 'r', 'r.account_ref = p.account_ref')}`,
    };
    const branches = [
      ...(t.executed.size ? [`select ${cols('self')} from ${fromPayments.self} where p.payment_id = any(@executed) and p.payee_type = 'household'`,
        `select ${cols('relative')} from ${fromPayments.relative} where p.payment_id = any(@executed) and p.payee_type = 'household'`,
        `select ${cols('account')} from ${fromPayments.account} where p.payment_id = any(@executed)`] : []),
      ...(t.roster.size ? [`select ${cols('self')} from ${self} where r.person_id = any(@roster) and p.payee_type = 'household'`,
        `select ${cols('relative')} from ${relative} where k.person_id = any(@roster) and p.payee_type = 'household'`,
        `select ${cols('account')} from ${account} where r.person_id = any(@roster)`] : []),
      ...(t.idRefs.size ? [`select ${cols('self')} from ${self} where m.id_ref = any(@idRefs) and p.payee_type = 'household'`,
        `select ${cols('relative')} from ${relative} where m.id_ref = any(@idRefs) and p.payee_type = 'household'`] : []),
    ];
    await run(`
      with ${RULES_CTE}, links as (
        ${branches.join('\n        union all\n        ')}),
      judged as (
        select l.*, case when l.role in ('work_team_member', 'first_secretary') and l.link <> 'relative' then 'R-31' else 'R-07' end as rule_id
        from links l)
      insert into rm_alerts (alert_id, rule_id, variant, subject_kind, subject_id, unit_code, amount_fen, measure, evidence, detail, raised_on, recorded_at)
      select distinct on (l.rule_id, l.payment_id)
        l.rule_id || case when l.rule_id = 'R-31' then '.payee_is_work_team' else '.payee_related_to_cadre' end || '.payment.' || l.payment_id,
        l.rule_id, case when l.rule_id = 'R-31' then 'payee_is_work_team' else 'payee_related_to_cadre' end,
        'payment', l.payment_id, l.unit_code, l.amount_fen, null, jsonb_build_array(l.execution_event, l.roster_event),
        jsonb_build_object('personId', l.person_id, 'role', l.role, 'link', l.link, 'payeeId', l.payee_id), l.executed_on,
        ${knownBy('l.execution_recorded_at', 'l.roster_recorded_at')}
      from judged l
      where l.executed_on is not null and l.from_date <= l.executed_on and (l.left_on is null or l.left_on >= l.executed_on)
      order by l.rule_id, l.payment_id, l.link, l.person_id
      -- Of several links the alert names the first (by kind, then person), whichever batch brought it: live and rebuilt rows agree.
      on conflict (alert_id) where withdrawn_at is null do update set detail = excluded.detail, evidence = excluded.evidence,
        recorded_at = least(rm_alerts.recorded_at, excluded.recorded_at)
        where (excluded.detail->>'link', excluded.detail->>'personId') < (rm_alerts.detail->>'link', rm_alerts.detail->>'personId')`);
  }
  if (!all && t.batches.size) {
    // a document's lines that do not add up to its total. R-01: a child that received less than its parent allocated.
    await run(insert(`
      select ${alertId('R-20', 'declared_total_differs_from_lines', 'batch', 'b.batch_id')}, 'R-20', 'declared_total_differs_from_lines', 'batch', b.batch_id, b.unit_code,
        b.amount_fen, b.line_items_fen, jsonb_build_array(b.event_id), jsonb_build_object('declared', b.amount_fen::text, 'lines', b.line_items_fen::text),
        b.effective_date, greatest(b.recorded_at, @floor)
      from rf_batches b where b.batch_id = any(@batches) and b.line_items_fen is not null and b.line_items_fen <> b.amount_fen`));
    await run(insert(`
      select ${alertId('R-01', 'received_less_than_allocated', 'batch', 'b.batch_id')}, 'R-01', 'received_less_than_allocated', 'batch', b.batch_id, b.unit_code,
        m.amount_fen, b.amount_fen, jsonb_build_array(m.event_id, b.event_id), jsonb_build_object('allocated', m.amount_fen::text, 'received', b.amount_fen::text,
        'parentBatchId', m.batch_id), b.effective_date, ${knownBy('b.recorded_at', 'm.recorded_at')}
      from rf_batches b join rf_batch_moves m on m.target_batch_id = b.batch_id
      where b.batch_id = any(@batches) and b.amount_fen < m.amount_fen`));
  }
}

/**
 * A new rule-set version re-judges the threshold findings dated from its effective date: those
 * that no longer hold are withdrawn as of its adoption (a `knownAt` before it still shows them),
 * and those it newly makes are raised as of its adoption.
 */
async function rejudge(tx: SqlExecutor, since: string, at: string) {
  const rules = THRESHOLD_RULES;
  await tx.query(`update rm_alerts set rejudged = true where withdrawn_at is null and raised_on >= $1::date and rule_id || '.' || variant = any($2::text[])`, [since, rules]);
  await detect(tx, new Touched(), { since, at });
  await tx.query(`update rm_alerts set withdrawn_at = $1::timestamptz, rejudged = false where rejudged`, [at]);
}

/** The versions known now, for judge() and refreshDue(): named parameters as detect() writes them. */
const TERMS_NOW = ruleTermsSql({ defaultFrom: '@d0', defaultBody: '@body0', known: 'true', ruleIds: '@ruleIds', variants: '@variants' });
const TERMS_PARAMS: Record<string, [unknown, string]> = {
  d0: [RULE_TERMS_VALUES.defaultFrom, 'date'], body0: [RULE_TERMS_VALUES.defaultBody, 'jsonb'],
  ruleIds: [RULE_TERMS_VALUES.ruleIds, 'text[]'], variants: [RULE_TERMS_VALUES.variants, 'text[]'],
};

/** Judges the current alerts not yet judged under the versions known now (version, enabled, severity in their row). */
async function judge(tx: SqlExecutor) {
  await tx.query(...named(`with ${TERMS_NOW}
    update rm_alerts a set version = v.version, enabled = v.enabled, severity = v.severity
    from terms v where a.version is null and a.withdrawn_at is null and ${inTerms('a', 'v')}`, TERMS_PARAMS));
}

/** Works out the time-judged rules again for these batches (or all), as the books stand now under the versions known now. */
async function refreshDue(tx: SqlExecutor, batches: string[] | 'all') {
  const values = { ...TERMS_PARAMS, batches: [batches === 'all' ? [] : batches, 'text[]'] as [unknown, string] };
  const mine = (alias: string) => (batches === 'all' ? 'true' : `${alias}.batch_id = any(@batches)`);
  await tx.query(...named(`delete from rm_due_alerts where ${batches === 'all' ? 'true' : 'subject_id = any(@batches)'}`, values));
  await tx.query(...named(`with ${TERMS_NOW}, ${dueAlertsSql({ known: () => 'true', due: () => 'true', where: mine })}
    insert into rm_due_alerts (alert_id, rule_id, variant, subject_kind, subject_id, unit_code, amount_fen, measure, evidence, detail, raised_on, recorded_at,
      version, enabled, severity)
    select c.*, v.version, v.enabled, v.severity from computed c join terms v on ${inTerms('c', 'v')}`, values));
}

/** The rule-set versions the detectors know, for reads: the defaults and every adopted version recorded by `knownAt`. */
export async function ruleSetVersionsKnown(q: SqlExecutor, knownAt?: Date): Promise<Array<RuleSetVersion & { recordedAt: string | null }>> {
  const params: unknown[] = [];
  const where = knownAt ? (params.push(knownAt.toISOString()), 'where recorded_at <= $1::timestamptz') : '';
  const r = await q.query<{ body: RuleSetVersion; recorded_at: unknown }>(`select body, recorded_at from rf_rule_sets ${where} order by version`, params);
  return [{ ...DEFAULT_RULE_SET, recordedAt: null },
    ...r.rows.map((x) => ({ ...(typeof x.body === 'string' ? JSON.parse(x.body) : x.body), recordedAt: new Date(x.recorded_at as string).toISOString() }))];
}

