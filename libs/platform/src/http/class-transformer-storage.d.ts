/**
 * class-transformer's metadata storage (what @Type, @Expose, @Exclude and @Transform record), which the package
 * does not export from its index. @nestjs/mapped-types reads it from this same file to copy metadata into
 * PartialType classes; compiled-validator.ts reads it to know where plainToInstance would do more than copy.
 */
declare module 'class-transformer/cjs/storage.js' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
