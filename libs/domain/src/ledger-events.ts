import type { AdminUnitEvent } from './admin-unit/admin-unit';
import type { CaseEvent } from './case/case';
import type { FundBatchEvent } from './fund-batch/fund-batch';
import type { HouseholdEvent } from './household/household';
import type { BankReferenceUsed, PaymentEvent } from './payment/payment';
import type { ProjectEvent } from './project/project';
import type { RuleSetEvent } from './oversight/red-flag-rules';
import type { RosterEvent } from './oversight/roster';

/**
 * Every event the ledger writes, as the domain defines it: the read side consumes these types
 * (a projection names the ones it handles and gets their data typed), never untyped records.
 */
export type LedgerEvent = AdminUnitEvent | FundBatchEvent | ProjectEvent | PaymentEvent | HouseholdEvent | BankReferenceUsed | RuleSetEvent | RosterEvent | CaseEvent;
/**
 * The metadata `source` of records migrated from the old system (written straight to the log, not
 * through the deciders): a migrated payment moves no money here, so it is in no figure, and every
 * view that lists it says so (`migrated`).
 */
export const MIGRATED_SOURCE = 'legacy-import';
/** Whether an event's metadata marks it as migrated from the old system. */
export const isMigrated = (metadata: Record<string, unknown> | undefined) => metadata?.source === MIGRATED_SOURCE;
export type LedgerEventType = LedgerEvent['type'];
/** The event of one type, e.g. EventOf<'FundsAllocated'>. */
export type EventOf<T extends LedgerEventType> = Extract<LedgerEvent, { type: T }>;
