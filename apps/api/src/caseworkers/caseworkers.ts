import { Body, Controller, Inject, Injectable, Post } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork } from '@huigong/messaging';
import { ApiKeyEntity, CaseworkerEntity } from '@huigong/persistence/entities';
import { APP_CONFIG, type AppConfig, Roles, hashApiKey, newApiKey } from '@huigong/platform';
import { newWebhookSecret } from '@huigong/notifications';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { assertWebhookUrl } from '../common/webhook-url';

export class CreateCaseworkerDto {
  @IsString({ message: 'must be text' })
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(200, { message: 'must be at most 200 characters' })
  name: string;

  @IsOptional()
  @IsString({ message: 'must be an http or https URL' })
  @MaxLength(2048, { message: 'must be at most 2048 characters' })
  webhookUrl?: string;
}

export interface CreatedCaseworker {
  id: string;
  name: string;
  webhookUrl: string | null;
  apiKey: string;
  webhookSecret?: string;
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
        apiKey,
        createdAt: caseworker.createdAt.toISOString(),
      };
      if (webhookSecret !== undefined) created.webhookSecret = webhookSecret;
      return created;
    });
  }
}

@Controller('v1/caseworkers')
export class CaseworkersController {
  constructor(private readonly commands: CommandBus) {}

  /** A caseworker, with an API key (and webhook secret), shown once. */
  @Post()
  @Roles('admin')
  create(@Body() body: CreateCaseworkerDto): Promise<CreatedCaseworker> {
    return this.commands.execute(new CreateCaseworkerCommand(body));
  }
}
