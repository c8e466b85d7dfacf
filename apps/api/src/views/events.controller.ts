import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { conflict, invalid, notFound, parseStreamName, Rejection, STREAM_CATEGORIES, withinScope, type Principal } from '@yuantrace/domain';
import { findEvents, isKnownEventType, unitOfEvent, type EventFilter, unitPrefix } from '@yuantrace/read-models';
import { EventStore, formatPosition, parsePosition, type Db, type RecordedEvent } from '@yuantrace/event-store';
import { Access } from '../auth/access.decorator';
import { assertInScope } from '@yuantrace/domain';
import { CurrentPrincipal } from '../auth/principal.decorator';
import type { AppConfig } from '@yuantrace/ledger';
import { APP_CONFIG, READ_DB, SEAL_OPTIONS } from '@yuantrace/ledger';
import { proofOf, sealStatus, type SealOptions } from '@yuantrace/seal';
import { CursorCodec } from './cursor';
import { exportFormat, respond } from './export';
import { Responds } from '../http/openapi-schemas';
import { eventSheets } from './view-sheets';
import { readIndexedEvents, renderEvent } from './indexed-events';
import { ListQuery, parseLimit } from './list-params';

/** The raw audit log: who did what, when, in the order it was recorded. */
@ApiTags('audit log')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly store: EventStore,
    @Inject(READ_DB) private readonly db: Db,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(SEAL_OPTIONS) private readonly seal: SealOptions | null,
  ) {
    this.cursors = new CursorCodec(config.jwtSecret);
  }

  @Get(':eventId/proof')
  @Access('inspector', 'auditor')
  @Responds(200, 'eventProof', '事件、其包含证明与签名检查点 the event, its inclusion proof and the signed checkpoint')
  @ApiOperation({ summary: '事件的包含证明：从事件到签名检查点的 Merkle 路径；可用 yuantrace-verify.js --proof 离线核验' })
  async proof(@CurrentPrincipal() p: Principal, @Param('eventId') eventId: string) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(eventId)) throw invalid('invalid_event_id', 'an event id is a lowercase UUID', 'eventId');
    // Out of the reader's region answers as a missing event does: the answer says nothing of events elsewhere.
    const gone = () => notFound('event_not_found', `no event ${eventId} in your region`, 'eventId');
    const r = await this.db.query<{ stream_id: string; revision: unknown }>('select stream_id, revision from rm_event_index where event_id = $1', [eventId]);
    const row = r.rows[0];
    if (!row) throw gone();
    if (!readable(p, (await this.unitsOf([row.stream_id])).get(row.stream_id))) throw gone();
    const [event] = await this.store.readStream(row.stream_id, { fromRevision: BigInt(row.revision as string), maxCount: 1 });
    if (!event || event.id !== eventId) throw gone();
    const found = await proofOf(this.db, event);
    if (found === 'not_sealed') throw notFound('not_sealed_yet', `event ${eventId} is not in a signed checkpoint yet; one is signed within SEAL_EVERY_SECONDS of it`, 'eventId');
    if (found === 'not_in_seal') throw conflict('not_in_seal', `event ${eventId} lies in the part of the log a checkpoint sealed, but is not among the events it sealed: it was put there afterwards`, 'eventId');
    const publicKey = this.seal?.key.publicDocument() ?? (await sealStatus(this.db)).publicKey!;
    return { ...found, publicKey };
  }

  @Get()
  @Access('inspector', 'auditor')
  @Responds(200, 'events', '一页事件与下一页游标 a page of events and the next cursor', { exports: true })
  @ApiOperation({ summary: '审计日志：按流或按全局位置分页读取原始事件（含操作人）；可按事件类型、流类别、操作人、记录时间、业务日期筛选' })
  @ApiQuery({ name: 'stream', required: false, description: '如 payment-PAY-1（不与筛选条件同用）' })
  @ApiQuery({ name: 'after', required: false, description: '上一页返回的 next 游标' })
  @ApiQuery({ name: 'limit', required: false, description: '1–500，默认100' })
  @ApiQuery({ name: 'type', required: false, description: '事件类型，一个或逗号分隔多个，如 PaymentApproved,PaymentRejected；未知类型为 400' })
  @ApiQuery({ name: 'streamKind', required: false, description: '流类别（逗号分隔）：' + STREAM_CATEGORIES.join(', ') })
  @ApiQuery({ name: 'actor', required: false, description: '操作人 principal id（metadata.actor.principalId）' })
  @ApiQuery({ name: 'from', required: false, description: '记录时间起（含）ISO-8601' })
  @ApiQuery({ name: 'to', required: false, description: '记录时间止（含）ISO-8601' })
  @ApiQuery({ name: 'asOfFrom', required: false, description: '业务日期起（含）YYYY-MM-DD' })
  @ApiQuery({ name: 'asOfTo', required: false, description: '业务日期止（含）YYYY-MM-DD' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'], description: '导出本页：csv 或 xlsx' })
  async list(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res({ passthrough: true }) res: Response, @Query() query: Record<string, unknown>) {
    const q = new ListQuery(query, ['stream', 'after', 'limit', 'format', ...FILTERS]);
    const [stream, after, limitText, formatText] = [q.text('stream'), q.text('after'), q.text('limit'), q.text('format')];
    const format = exportFormat(formatText, req.headers.accept);
    const filtered = FILTERS.some((f) => query[f] !== undefined);
    if (filtered && stream !== undefined) throw invalid('conflicting_parameters', 'stream reads one stream whole; filter the whole log without it', 'stream');
    const page = filtered ? await this.filteredPage(p, q, after, limitText) : await this.page(p, stream, after, limitText);
    return respond(res, format, `events${stream ? `-${stream}` : ''}`, page, () => eventSheets(page.events));
  }

  /** The log filtered through the event index (every store alike), then the events read from the store. */
  private async filteredPage(p: Principal, q: ListQuery, after: string | undefined, limitText: string | undefined) {
    const limit = parseLimit(limitText);
    const types = q.list('type', (t) => t);
    for (const t of types ?? []) {
      if (!/^[A-Z][A-Za-z]{1,63}$/.test(t) || !(await isKnownEventType(this.db, t))) throw invalid('unknown_event_type', `${t.slice(0, 64)} is not an event type of the ledger`, 'type');
    }
    const streamKinds = q.list('streamKind', (k) => {
      if (!(STREAM_CATEGORIES as readonly string[]).includes(k)) throw invalid('unknown_stream_kind', `streamKind must be one of ${STREAM_CATEGORIES.join(', ')}`, 'streamKind');
      return k;
    });
    const filter: EventFilter = { unitPrefix: unitPrefix(p.scope), types, streamKinds, actor: q.id('actor'), from: q.instant('from'),
      to: q.instant('to'), asOfFrom: q.date('asOfFrom'), asOfTo: q.date('asOfTo') };
    // A cursor belongs to the listing it was issued for: the same filters, in the same order.
    const listing = `events:${JSON.stringify([filter.types, filter.streamKinds, filter.actor, filter.from, filter.to, filter.asOfFrom, filter.asOfTo])}`;
    const from = after === undefined ? undefined : parsePosition(this.cursors.decode(after, listing));
    if (after !== undefined && !from) throw invalid('invalid_cursor', 'this cursor was not issued by this api', 'after');
    const found = await findEvents(this.db, filter, from, limit);
    const events = await readIndexedEvents(this.store, found.events);
    const last = found.events[found.events.length - 1];
    return { events: events.map(renderEvent), next: found.events.length === limit && last ? this.cursors.encode(listing, formatPosition(last.position)) : null };
  }

  private async page(p: Principal, stream: string | undefined, after: string | undefined, limitText: string | undefined) {
    const limit = parseLimit(limitText);
    if (stream !== undefined) {
      parseStreamName(stream);
      const unit = await this.unitsOf([stream]);
      if (!unit.has(stream)) {
        const first = (await this.store.readStream(stream, { maxCount: 1 }))[0];
        if (!first) throw notFound('stream_not_found', `stream ${stream} does not exist`, 'stream');
        // Not placed in the region tree yet (the projection lags): place it from its first event, and refuse when that says nothing.
        const placed = unitOfEvent(first.type, first.data);
        if (placed) assertInScope(p, placed, `stream ${stream}`);
        else if (p.scope !== '000000000000') throw new Rejection('out_of_scope', `stream ${stream} cannot be placed in a region yet`, 'forbidden');
      } else assertInScope(p, unit.get(stream)!, `stream ${stream}`);
      const from = after === undefined ? 0n : BigInt(this.cursors.decode(after, `stream:${stream}`)) + 1n;
      const events = await this.store.readStream(stream, { fromRevision: from, maxCount: limit });
      const last = events[events.length - 1];
      return { events: events.map(render), next: events.length === limit && last ? this.cursors.encode(`stream:${stream}`, last.revision.toString()) : null };
    }
    let position = after === undefined ? undefined : parsePosition(this.cursors.decode(after, 'all'));
    if (after !== undefined && !position) throw invalid('invalid_cursor', 'this cursor was not issued by this api', 'after');
    const page: RecordedEvent[] = [];
    // Skip events outside the reader's scope, reading on until the page is full or the log ends.
    for (let reads = 0; page.length < limit && reads < 50; reads++) {
      const batch = await this.store.readAll({ after: position, maxCount: limit });
      if (batch.length === 0) break;
      const units = await this.unitsOf(batch.map((e) => e.streamId));
      for (const e of batch) {
        position = e.position;
        if (readable(p, units.get(e.streamId))) page.push(e);
        if (page.length === limit) break;
      }
      if (batch.length < limit) break;
    }
    return { events: page.map(render), next: page.length === limit && position ? this.cursors.encode('all', formatPosition(position)) : null };
  }

  private async unitsOf(streams: string[]): Promise<Map<string, string>> {
    if (streams.length === 0) return new Map();
    const r = await this.db.query<{ stream_id: string; unit_code: string }>('select stream_id, unit_code from rm_stream_units where stream_id = any($1::text[])', [
      [...new Set(streams)],
    ]);
    return new Map(r.rows.map((x) => [x.stream_id, x.unit_code]));
  }
}

const render = renderEvent;

/** A stream the region tree places is read within its unit's scope; one it does not place yet, by national readers only. */
const readable = (p: Principal, unit: string | undefined) => (unit ? withinScope(p.scope, unit) : p.scope === '000000000000');

/** The filters that read the log through the event index. */
const FILTERS = ['type', 'streamKind', 'actor', 'from', 'to', 'asOfFrom', 'asOfTo'];

