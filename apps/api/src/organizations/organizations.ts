import { Body, Controller, Inject, Injectable, Post } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ORGANIZATION_KINDS, type OrganizationKind } from '@huigong/domain';
import { UnitOfWork } from '@huigong/messaging';
import { ApiKeyEntity, OrganizationEntity } from '@huigong/persistence/entities';
import { APP_CONFIG, type AppConfig, Roles, newApiKey, hashApiKey } from '@huigong/platform';
import { newWebhookSecret } from '@huigong/notifications';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { assertWebhookUrl } from '../common/webhook-url';

export class CreateOrganizationDto {
  @IsString({ message: 'must be text' })
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(200, { message: 'must be at most 200 characters' })
  name: string;

  @IsIn(ORGANIZATION_KINDS, { message: 'must be employer or merchant' })
  kind: OrganizationKind;

  @IsOptional()
  @IsString({ message: 'must be an http or https URL' })
  @MaxLength(2048, { message: 'must be at most 2048 characters' })
  webhookUrl?: string;
}

export interface CreatedOrganization {
  id: string;
  name: string;
  kind: OrganizationKind;
  webhookUrl: string | null;
  /** Shown once. */
  apiKey: string;
  /** Shown once, when a webhook URL is set. */
  webhookSecret?: string;
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
        apiKey,
        createdAt: organization.createdAt.toISOString(),
      };
      if (webhookSecret !== undefined) created.webhookSecret = webhookSecret;
      return created;
    });
  }
}

@Controller('v1/organizations')
export class OrganizationsController {
  constructor(private readonly commands: CommandBus) {}

  /** An employer or merchant, with its API key (and webhook secret), shown once. */
  @Post()
  @Roles('admin')
  create(@Body() body: CreateOrganizationDto): Promise<CreatedOrganization> {
    return this.commands.execute(new CreateOrganizationCommand(body));
  }
}
