import { Body, Controller, Inject, Injectable, Post } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork } from '@huigong/messaging';
import { ApiKeyEntity, CaseworkerEntity } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig, Roles, hashApiKey, newApiKey } from '@huigong/platform';
import { newWebhookSecret } from '@huigong/notifications';
import { ApiCreatedResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { EmailField, NOT_BLANK, Rules, WebhookUrlField, textRules } from '../common/dto';
import { assertWebhookUrl } from '../common/webhook-url';
import { ApiErrors, ApiIdempotencyKey, ApiKeyAuth, IDEMPOTENT, JSON_BODY } from '../docs/operation';

@ApiSchema({ name: 'NewCaseworker' })
export class CreateCaseworkerDto {
  @ApiProperty({ type: 'string', minLength: 1, maxLength: 200, ...NOT_BLANK, example: 'Dinghai Road street union desk' })
  @IsString({ message: 'must be text' })
  @Rules(textRules({ min: 1, max: 200, tooLong: 'must be at most 200 characters' }))
  name: string;

  @WebhookUrlField()
  webhookUrl?: string;

  @EmailField()
  email?: string;
}

@ApiSchema({ name: 'CreatedCaseworker', description: 'The caseworker, with their API key (and webhook secret) shown this once.' })
export class CreatedCaseworker {
  @ApiProperty({ type: 'string', format: 'uuid' })
  id: string;

  @ApiProperty({ type: 'string' })
  name: string;

  @ApiProperty({ type: 'string', format: 'uri', nullable: true })
  webhookUrl: string | null;

  @ApiProperty({ type: 'string', format: 'email', nullable: true })
  email: string | null;

  @ApiProperty({ type: 'string', description: 'The API key of the caseworker: shown once, only its hash is kept.', example: 'hg_...' })
  apiKey: string;

  @ApiPropertyOptional({ type: 'string', description: 'The `whsec_` secret that signs their webhooks: shown once, when a webhook URL is set.' })
  webhookSecret?: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;
}

export class CreateCaseworkerCommand {
  constructor(readonly input: CreateCaseworkerDto) {}
}

@Injectable()
@CommandHandler(CreateCaseworkerCommand)
export class CreateCaseworkerHandler implements ICommandHandler<CreateCaseworkerCommand, CreatedCaseworker> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ input }: CreateCaseworkerCommand): Promise<CreatedCaseworker> {
    assertWebhookUrl(input.webhookUrl, this.config.webhookAllowedHosts);
    const apiKey = newApiKey();
    const webhookSecret = input.webhookUrl === undefined ? undefined : newWebhookSecret();
    return this.unitOfWork.run(async ({ manager }) => {
      const caseworker = await manager.save(
        manager.create(CaseworkerEntity, {
          id: randomUUID(),
          name: input.name.trim(),
          webhookUrl: input.webhookUrl ?? null,
          webhookSecret: webhookSecret ?? null,
          email: input.email ?? null,
        }),
      );
      await manager.insert(ApiKeyEntity, {
        id: randomUUID(),
        keyHash: hashApiKey(apiKey),
        role: 'caseworker',
        organizationId: null,
        caseworkerId: caseworker.id,
      });
      const created: CreatedCaseworker = {
        id: caseworker.id,
        name: caseworker.name,
        webhookUrl: caseworker.webhookUrl,
        email: caseworker.email,
        apiKey,
        createdAt: caseworker.createdAt.toISOString(),
      };
      if (webhookSecret !== undefined) created.webhookSecret = webhookSecret;
      return created;
    });
  }
}

@ApiTags('caseworkers')
@ApiKeyAuth('admin')
@Controller('v1/caseworkers')
export class CaseworkersController {
  constructor(private readonly commands: CommandBus) {}

  /** A caseworker, with an API key (and webhook secret), shown once. */
  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a caseworker', description: 'Their API key, and webhook secret when a webhook URL is given, are in the answer once.' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CreatedCaseworker })
  @ApiErrors(JSON_BODY, IDEMPOTENT)
  create(@Body() body: CreateCaseworkerDto): Promise<CreatedCaseworker> {
    return this.commands.execute(new CreateCaseworkerCommand(body));
  }
}
