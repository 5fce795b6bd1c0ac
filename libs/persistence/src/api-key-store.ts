import { Injectable } from '@nestjs/common';
import { ApiKeyDirectory, type StoredApiKey } from '@huigong/platform';
import { DataSource } from 'typeorm';
import { ApiKeyEntity } from './entities/api-key.entity';

/** `api_keys`, looked up by the SHA-256 of a key for the API key guard. */
@Injectable()
export class ApiKeyStore extends ApiKeyDirectory {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  findByHash(keyHash: string): Promise<StoredApiKey | null> {
    return this.dataSource.getRepository(ApiKeyEntity).findOneBy({ keyHash });
  }
}
