import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { invalid, notFound } from '@yuantrace/domain';
import type { Db } from '@yuantrace/event-store';
import { READ_DB, SEAL_OPTIONS } from '@yuantrace/ledger';
import { latestCheckpoint, sealStatus, storedCheckpoints, type SealOptions } from '@yuantrace/seal';
import { Public } from '../auth/access.decorator';
import { Responds } from '../http/openapi-schemas';
import { ListQuery, parseLimit } from '../views/list-params';

/**
 * The sealed log's signed checkpoints and the key that signs them: public, because they are what
 * an outsider checks the log against and they carry only hashes, counts and positions.
 */
@ApiTags('sealed log')
@Controller('checkpoints')
export class SealController {
  constructor(
    @Inject(READ_DB) private readonly db: Db,
    @Inject(SEAL_OPTIONS) private readonly seal: SealOptions | null,
  ) {}

  @Get('latest')
  @Public()
  @Responds(200, 'checkpointLatest', '最新签名检查点、封存进度与签名公钥 the newest signed checkpoint, how far sealing has got, and the public key')
  @ApiOperation({ summary: '最新签名检查点（公开）：打印或保存它，日后可用它核验日志未被截断或改写；knownAt：截至该时点已签署的最新检查点' })
  @ApiQuery({ name: 'knownAt', required: false, description: 'ISO-8601 时点' })
  async latest(@Query() query: Record<string, unknown>) {
    const knownAt = new ListQuery(query, ['knownAt']).instant('knownAt');
    const status = await sealStatus(this.db);
    const checkpoint = knownAt ? await latestCheckpoint(this.db, knownAt) : status.lastCheckpoint;
    if (!checkpoint) {
      if (knownAt) throw notFound('no_checkpoint', `no checkpoint had been signed by ${knownAt.toISOString()}`, 'knownAt');
      throw notFound('no_checkpoint', this.seal ? 'no checkpoint has been signed yet: one is signed after the first events have waited SEAL_EVERY_SECONDS' : 'this deployment does not seal its log (no SEAL_KEY_FILE)', 'checkpoint');
    }
    const publicKey = this.seal?.key.publicDocument() ?? status.publicKey!;
    return { checkpoint, sealed: status.sealed, pending: status.pending, position: status.position, publicKey };
  }

  @Get('public-key')
  @Public()
  @Responds(200, 'publicKey', '检查点签名公钥 the key checkpoints are signed with')
  @ApiOperation({ summary: '检查点签名公钥（公开）：交给 yuantrace-verify.js 的 --key' })
  async publicKey() {
    // An api process without the private key (only the projector seals) serves the key the seal records.
    const publicKey = this.seal?.key.publicDocument() ?? (await sealStatus(this.db)).publicKey;
    if (!publicKey) throw notFound('not_sealing', 'this deployment does not seal its log (no SEAL_KEY_FILE)', 'key');
    return publicKey;
  }

  @Get()
  @Public()
  @Responds(200, 'checkpointList', '按序号的签名检查点 signed checkpoints in order')
  @ApiOperation({ summary: '全部签名检查点（公开），按序号分页' })
  @ApiQuery({ name: 'after', required: false, description: '从此序号之后（默认0）' })
  @ApiQuery({ name: 'limit', required: false, description: '1–500，默认100' })
  async list(@Query() query: Record<string, unknown>) {
    const q = new ListQuery(query, ['after', 'limit']);
    const limit = parseLimit(q.text('limit'));
    const afterText = q.text('after') ?? '0';
    if (!/^[0-9]{1,9}$/.test(afterText)) throw invalid('invalid_after', 'after is a checkpoint number', 'after');
    const checkpoints = [];
    for await (const cp of storedCheckpoints(this.db, Number(afterText) + 1, limit)) {
      checkpoints.push({ body: cp.body, signature: cp.signature });
      if (checkpoints.length === limit) break;
    }
    return { checkpoints, next: checkpoints.length === limit ? checkpoints[checkpoints.length - 1].body.no : null };
  }
}
