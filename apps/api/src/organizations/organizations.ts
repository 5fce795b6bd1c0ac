import { Body, Controller, Inject, Injectable, Post } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ORGANIZATION_KINDS, type OrganizationKind } from '@huigong/domain';
import { UnitOfWork } from '@huigong/messaging';
import { ApiKeyEntity, OrganizationEntity } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig, Roles, newApiKey, hashApiKey } from '@huigong/platform';
import { newWebhookSecret } from '@huigong/notifications';
import { ApiCreatedResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { IsIn, IsString } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { EmailField, NOT_BLANK, Rules, WebhookUrlField, textRules } from '../common/dto';
import { assertWebhookUrl } from '../common/webhook-url';
import { ApiErrors, ApiIdempotencyKey, ApiKeyAuth, IDEMPOTENT, JSON_BODY } from '../docs/operation';

@ApiSchema({ name: 'NewOrganization' })
export class CreateOrganizationDto {
  @ApiProperty({ type: 'string', minLength: 1, maxLength: 200, ...NOT_BLANK, example: 'Dinghai community canteen' })
  @IsString({ message: 'must be text' })
  @Rules(textRules({ min: 1, max: 200, tooLong: 'must be at most 200 characters' }))
  name: string;

  @ApiProperty({
    enum: [...ORGANIZATION_KINDS],
    enumName: 'OrganizationKind',
    description: 'Employers post openings; merchants publish slots; partners (a job fair’s streaming platform) send intents.',
  })
  @IsIn(ORGANIZATION_KINDS, { message: 'must be employer, merchant or partner' })
  kind: OrganizationKind;

  @WebhookUrlField()
  webhookUrl?: string;

  @EmailField()
  email?: string;
}

@ApiSchema({ name: 'CreatedOrganization', description: 'The organization, with its API key (and webhook secret) shown this once.' })
export class CreatedOrganization {
  @ApiProperty({ type: 'string', format: 'uuid' })
  id: string;

  @ApiProperty({ type: 'string' })
  name: string;

  @ApiProperty({ enum: [...ORGANIZATION_KINDS], enumName: 'OrganizationKind' })
  kind: OrganizationKind;

  @ApiProperty({ type: 'string', format: 'uri', nullable: true })
  webhookUrl: string | null;

  @ApiProperty({ type: 'string', format: 'email', nullable: true })
  email: string | null;

  /** Shown once. */
  @ApiProperty({ type: 'string', description: 'The API key of the organization: shown once, only its hash is kept.', example: 'hg_...' })
  apiKey: string;

  /** Shown once, when a webhook URL is set. */
  @ApiPropertyOptional({ type: 'string', description: 'The `whsec_` secret that signs its webhooks: shown once, when a webhook URL is set.' })
  webhookSecret?: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;
}

export class CreateOrganizationCommand {
  constructor(readonly input: CreateOrganizationDto) {}
}

@Injectable()
@CommandHandler(CreateOrganizationCommand)
export class CreateOrganizationHandler implements ICommandHandler<CreateOrganizationCommand, CreatedOrganization> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ input }: CreateOrganizationCommand): Promise<CreatedOrganization> {
    assertWebhookUrl(input.webhookUrl, this.config.webhookAllowedHosts);
    const apiKey = newApiKey();
    const webhookSecret = input.webhookUrl === undefined ? undefined : newWebhookSecret();
    return this.unitOfWork.run(async ({ manager }) => {
      const organization = await manager.save(
        manager.create(OrganizationEntity, {
          id: randomUUID(),
          name: input.name.trim(),
          kind: input.kind,
          webhookUrl: input.webhookUrl ?? null,
          webhookSecret: webhookSecret ?? null,
          email: input.email ?? null,
        }),
      );
      await manager.insert(ApiKeyEntity, {
        id: randomUUID(),
        keyHash: hashApiKey(apiKey),
        role: input.kind,
        organizationId: organization.id,
        caseworkerId: null,
      });
      const created: CreatedOrganization = {
        id: organization.id,
        name: organization.name,
        kind: organization.kind,
        webhookUrl: organization.webhookUrl,
        email: organization.email,
        apiKey,
        createdAt: organization.createdAt.toISOString(),
      };
      if (webhookSecret !== undefined) created.webhookSecret = webhookSecret;
      return created;
    });
  }
}

@ApiTags('organizations')
@ApiKeyAuth('admin')
@Controller('v1/organizations')
export class OrganizationsController {
  constructor(private readonly commands: CommandBus) {}

  /** An employer, merchant or partner, with its API key (and webhook secret), shown once. */
  @Post()
  @Roles('admin')
  @ApiOperation({
    summary: 'Create an employer, merchant or partner',
    description: 'Its API key, and webhook secret when a webhook URL is given, are in the answer once.',
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CreatedOrganization })
  @ApiErrors(JSON_BODY, IDEMPOTENT)
  create(@Body() body: CreateOrganizationDto): Promise<CreatedOrganization> {
    return this.commands.execute(new CreateOrganizationCommand(body));
  }
}
