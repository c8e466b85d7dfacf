import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { conflict, maskAccount, maskIdNumber, SEES_PERSONAL_DATA, type Principal } from '@yuantrace/domain';
import { insertMany, loadMigrations, migrate, type Db } from '@yuantrace/event-store';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, READ_DB } from '../infrastructure/tokens';

export type PersonalDataKind = 'account' | 'id_number';

/**
 * Where identity numbers and bank accounts are kept instead of the immutable log. The ref
 * stored in events is HMAC-SHA256(secret, kind:value): stable for duplicate checks (one card
 * used by several households, one identity number in two households), useless without the
 * secret. Erasure on a lawful request blanks the value; refs and amounts stay traceable.
 */
@Injectable()
export class PersonalDataVault implements OnModuleInit {
  constructor(
    @Inject(READ_DB) private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit() {
    await migrate(this.db, 'personal-data', loadMigrations(join(__dirname, 'migrations')));
  }

  refOf(kind: PersonalDataKind, value: string): string {
    return `pii:${createHmac('sha256', this.config.jwtSecret).update(`${kind}:${value}`).digest('hex').slice(0, 40)}`;
  }

  masked(kind: PersonalDataKind, value: string): string {
    return kind === 'account' ? maskAccount(value) : maskIdNumber(value);
  }

  /** Refs this process has stored already: the insert is idempotent, so repeating it is only a wasted round trip. */
  private readonly stored = new Set<string>();

  /**
   * Write-behind mode, for a bulk load that is the only writer: values and identity claims are
   * kept in memory (with every existing claim loaded once) and written in multi-row statements
   * by flushWriteBehind(), which the loader calls before it flushes the events that refer to
   * them. Without it, a county's registrations cost one round trip per person, twice.
   */
  private writeBehind: { values: unknown[][]; claims: Map<string, string>; byHousehold: Map<string, Set<string>>; newClaims: Map<string, string> } | undefined;

  async startWriteBehind(): Promise<void> {
    const claims = new Map<string, string>(), byHousehold = new Map<string, Set<string>>();
    const r = await this.db.query<{ ref: string; household_id: string }>('select ref, household_id from identity_claims');
    for (const c of r.rows) {
      claims.set(c.ref, c.household_id);
      byHousehold.set(c.household_id, (byHousehold.get(c.household_id) ?? new Set()).add(c.ref));
    }
    this.writeBehind = { values: [], claims, byHousehold, newClaims: new Map() };
  }

  async flushWriteBehind(): Promise<void> {
    const wb = this.writeBehind;
    if (!wb) return;
    await insertMany(this.db, 'personal_data', ['ref', 'kind', 'value', 'masked'], [], wb.values, 'on conflict (ref) do nothing');
    await insertMany(this.db, 'identity_claims', ['ref', 'household_id'], [], [...wb.newClaims], 'on conflict (ref) do nothing');
    wb.values = [];
    wb.newClaims.clear();
  }

  /** Stores a value (idempotently) and returns its ref and masked form. */
  async protect(kind: PersonalDataKind, value: string): Promise<{ ref: string; masked: string; inserted: boolean }> {
    const ref = this.refOf(kind, value);
    const masked = this.masked(kind, value);
    if (this.stored.has(ref)) return { ref, masked, inserted: false };
    if (this.writeBehind) {
      this.writeBehind.values.push([ref, kind, value, masked]);
      this.stored.add(ref);
      return { ref, masked, inserted: true };
    }
    const r = await this.db.query(
      `insert into personal_data (ref, kind, value, masked) values ($1, $2, $3, $4) on conflict (ref) do nothing`,
      [ref, kind, value, masked],
    );
    if (this.stored.size > 1_000_000) this.stored.clear();
    this.stored.add(ref);
    return { ref, masked, inserted: r.rowCount === 1 };
  }

  /** Takes back a value this call stored when the command that needed it was refused: no plaintext without an event. */
  /**
   * The one place that decides who sees personal data: values by ref for a reader whose role may
   * see them (SEES_PERSONAL_DATA), an empty map for everyone else, who then get the masked form.
   */
  async revealFor(reader: Principal | undefined, refs: readonly string[], known: ReadonlyMap<string, string> = new Map()): Promise<Map<string, string>> {
    if (!reader || !SEES_PERSONAL_DATA.has(reader.role)) return new Map();
    // Values the reader has just handed in (an account in the request being answered) need no lookup.
    const values = await this.reveal(refs.filter((r) => !known.has(r)));
    for (const r of refs) if (known.has(r)) values.set(r, known.get(r)!);
    return values;
  }

  /**
   * The same decision for a reading that reveals within its own statement (one round trip, not
   * two): for a reader who may see personal data, SQL giving a jsonb object of value by ref for
   * the refs that `refsSql` (a query of one text column) selects, erased refs left out; for
   * anyone else undefined, and the reading reveals nothing.
   */
  revealSqlFor(reader: Principal | undefined): ((refsSql: string) => string) | undefined {
    if (!reader || !SEES_PERSONAL_DATA.has(reader.role)) return undefined;
    return (refsSql) => `select coalesce(jsonb_object_agg(ref, value), '{}'::jsonb) from personal_data where ref in (${refsSql}) and value is not null`;
  }

  /** Values by ref; an erased or unknown ref maps to undefined. */
  async reveal(refs: readonly string[]): Promise<Map<string, string>> {
    if (refs.length === 0) return new Map();
    const r = await this.db.query<{ ref: string; value: string | null }>('select ref, value from personal_data where ref = any($1::text[])', [
      [...new Set(refs)],
    ]);
    return new Map(r.rows.filter((x) => x.value !== null).map((x) => [x.ref, x.value as string]));
  }

  /**
   * Claims identity refs for a household. Returns the refs this call newly claimed (to give back
   * if the registration is refused) or throws; the refusal names the household that holds the ref
   * only when `mayName` says the caller may see it.
   */
  async claimIdentities(householdId: string, refs: Array<{ ref: string; field: string }>, mayName: (other: string) => Promise<boolean> = async () => false): Promise<string[]> {
    const claimed: string[] = [];
    const wb = this.writeBehind;
    for (const { ref, field } of refs) {
      if (wb) {
        const holder = wb.claims.get(ref);
        if (holder === undefined) {
          wb.claims.set(ref, householdId);
          wb.newClaims.set(ref, householdId);
          wb.byHousehold.set(householdId, (wb.byHousehold.get(householdId) ?? new Set()).add(ref));
          claimed.push(ref);
          continue;
        }
        if (holder === householdId) continue;
        await this.releaseIdentities(householdId, claimed);
        throw conflict('identity_number_taken', `${field} belongs to another registered household`, field);
      }
      const r = await this.db.query('insert into identity_claims (ref, household_id) values ($1, $2) on conflict (ref) do nothing', [ref, householdId]);
      if (r.rowCount === 1) {
        claimed.push(ref);
        continue;
      }
      const holder = await this.db.query<{ household_id: string }>('select household_id from identity_claims where ref = $1', [ref]);
      if (holder.rows[0]?.household_id !== householdId) {
        await this.releaseIdentities(householdId, claimed);
        // Name the other household only to a caller who may see it: otherwise this would tell anyone where a person is registered.
        const other = holder.rows[0]?.household_id;
        const visible = other !== undefined && (await mayName(other));
        throw conflict('identity_number_taken', `${field} belongs to ${visible ? `registered household ${other}` : 'another registered household'}`, field);
      }
    }
    return claimed;
  }

  async releaseIdentities(householdId: string, refs?: string[]): Promise<void> {
    if (refs && refs.length === 0) return;
    const wb = this.writeBehind;
    if (wb) {
      const held = wb.byHousehold.get(householdId) ?? new Set<string>();
      for (const ref of refs ?? [...held]) {
        if (wb.claims.get(ref) !== householdId) continue;
        wb.claims.delete(ref);
        wb.newClaims.delete(ref);
        held.delete(ref);
      }
    }
    if (refs) await this.db.query('delete from identity_claims where household_id = $1 and ref = any($2::text[])', [householdId, refs]);
    else await this.db.query('delete from identity_claims where household_id = $1', [householdId]);
  }

  /** Refs of a household's members (from the read model), for an erasure request by household. */
  async refsOfHousehold(householdId: string): Promise<string[]> {
    const r = await this.db.query<{ members: Array<{ idRef: string }> }>('select members from rm_households where household_id = $1', [householdId]);
    return (r.rows[0]?.members ?? []).map((m) => m.idRef);
  }

  async erase(ref: string, reason: string): Promise<boolean> {
    const r = await this.db.query(`update personal_data set value = null, erased_at = now(), erasure_reason = $2 where ref = $1 and value is not null`, [ref, reason]);
    return r.rowCount > 0;
  }
}
