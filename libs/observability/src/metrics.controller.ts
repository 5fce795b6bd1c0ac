import { Controller, Get, Header, Res } from '@nestjs/common';
import { Public } from '@huigong/platform';
import type { Response } from 'express';
import { ObservabilityMetrics } from './metrics';

/** `/metrics` in Prometheus's text format, without a key (serve it on a network only Prometheus reaches). */
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ObservabilityMetrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.scrape();
    res.type(contentType).send(body);
  }
}
