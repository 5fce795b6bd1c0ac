/**
 * Evaluates the ES-module-only NestJS packages before jest links a test's module graph. `@nestjs/throttler`
 * and `@bull-board/nestjs` are CommonJS and `require()` `@nestjs/common` and `@nestjs/core` (and the board,
 * `@nestjs/bull-shared`, its peer, which `@nestjs/bullmq` installs), ES modules only in NestJS 12. Node 24 can
 * `require()` an ES module, but inside jest's ESM mode only one that is already evaluated: otherwise the
 * require lands while the graph that imports it is still being linked, and jest refuses it ("Cannot require()
 * ES Module .../@nestjs/common/index.js in a cycle"). Listed in jest.config.js `setupFiles`.
 */
import '@nestjs/common';
import '@nestjs/core';
import '@nestjs/bull-shared';
