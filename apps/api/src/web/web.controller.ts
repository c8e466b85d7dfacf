import { Controller, Get, Inject, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, DEMO_PRINCIPALS, TokenService, type AppConfig } from '@yuantrace/ledger';
import type { Response } from 'express';
import { Public } from '../auth/access.decorator';
import { consolePage } from './web-assets';

@ApiTags('web')
@Controller()
export class WebController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokenService,
  ) {}

  /** The web console (apps/web): one page, its views chosen by the part after `#`. */
  @Get()
  @Public()
  @ApiExcludeEndpoint()
  index(@Res() res: Response) {
    const page = consolePage();
    res.status(page.status).type('html').setHeader('cache-control', 'no-cache');
    res.send(page.html);
  }

  /**
   * The demo principals with fresh tokens, for the console's sign-in — only in the embedded demo
   * (no DATABASE_URL, DEMO_DATA on), where the tokens are printed at start anyway. Anywhere else it
   * does not exist.
   */
  @Get('demo/principals')
  @Public()
  @ApiExcludeEndpoint()
  principals() {
    if (this.config.databaseUrl || !this.config.demoData) throw new NotFoundException();
    return { principals: DEMO_PRINCIPALS.map((p) => ({ ...p, token: this.tokens.issue(p) })) };
  }
}
