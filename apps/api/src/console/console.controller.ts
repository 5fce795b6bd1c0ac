import { Controller, Get, Inject, NotFoundException, Param, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig, Public } from '@huigong/platform';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The only files served: a fixed list, so no request path ever reaches the file system. */
const CONSOLE_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'texts.js': 'text/javascript; charset=utf-8',
  'map.html': 'text/html; charset=utf-8',
  'map.css': 'text/css; charset=utf-8',
  'map.js': 'text/javascript; charset=utf-8',
};

/** Leaflet's own files, served from its package as they are (`leaflet` in package.json). */
const LEAFLET_FILES: Readonly<Record<string, string>> = {
  'leaflet.js': 'text/javascript; charset=utf-8',
  'leaflet.css': 'text/css; charset=utf-8',
};

/**
 * The map page's policy: the console's, with images from the street tiles' origin too (`{s}`, a tile
 * server's subdomain, becomes `*`).
 */
export function mapPolicy(tileUrl: string): string {
  const origin = /^(https?:\/\/[^/]+)/.exec(tileUrl)?.[1].replace('{s}', '*') ?? '';
  return CONSOLE_CSP.replace("img-src 'self'", `img-src 'self' ${origin}`);
}

/** Scripts and styles from this origin only: no inline code, no frames, no plugins, no foreign requests. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Where the static files are: beside the compiled controller in `dist/` (nest-cli.json copies them as
 * assets), or in the sources when the API runs from TypeScript (tests), where `__dirname` may not exist.
 */
function findStaticFolder(): string | undefined {
  const candidates = [
    ...(typeof __dirname === 'string' ? [join(__dirname, 'static')] : []),
    join(process.cwd(), 'apps', 'api', 'src', 'console', 'static'),
    join(process.cwd(), 'dist', 'apps', 'api', 'src', 'console', 'static'),
  ];
  return candidates.find((folder) => existsSync(join(folder, 'index.html')));
}

/** Leaflet's `dist` folder in the installed packages (the API runs from the project's root). */
function findLeafletFolder(): string | undefined {
  const folder = join(process.cwd(), 'node_modules', 'leaflet', 'dist');
  return existsSync(join(folder, 'leaflet.js')) ? folder : undefined;
}

interface ConsoleFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

/**
 * The caseworker and merchant console: a few static files that call API v1 from the browser with the
 * user's own key. Serving them needs no key; every call the page makes does.
 */
@ApiExcludeController()
@Public()
@Controller('console')
export class ConsoleController {
  private readonly folder = findStaticFolder();
  private readonly leafletFolder = findLeafletFolder();
  private readonly files = new Map<string, ConsoleFile>();
  private readonly mapCsp: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.mapCsp = mapPolicy(config.map.tileUrl);
  }

  @Get()
  page(@Req() request: Request, @Res() response: Response): void {
    this.send('index.html', request, response);
  }

  /** The benefit map for a member's phone: `/console/map?lat=&lng=` (or the phone's position). */
  @Get('map')
  map(@Req() request: Request, @Res() response: Response): void {
    this.send('map.html', request, response, this.mapCsp);
  }

  /** What the map page needs of the deployment: its tiles, their attribution, its centre and time zone. */
  @Get('map-settings')
  mapSettings(@Res() response: Response): void {
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.status(200).json({ ...this.config.map, timeZone: this.config.appTimezone });
  }

  @Get(':file')
  asset(@Param('file') name: string, @Req() request: Request, @Res() response: Response): void {
    const page = name === 'index.html' || name === 'map.html';
    if (page || (!Object.hasOwn(CONSOLE_FILES, name) && !Object.hasOwn(LEAFLET_FILES, name))) throw new NotFoundException(`No console file ${name}.`);
    this.send(name, request, response);
  }

  private send(name: string, request: Request, response: Response, policy = CONSOLE_CSP): void {
    const file = this.load(name);
    response.setHeader('Content-Type', file.contentType);
    response.setHeader('Content-Security-Policy', policy);
    // Revalidate every time: the files are small and their names carry no version.
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('ETag', file.etag);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('X-Frame-Options', 'DENY');
    if (request.headers['if-none-match'] === file.etag) {
      response.status(304).end();
      return;
    }
    response.status(200).end(file.body);
  }

  private load(name: string): ConsoleFile {
    const cached = this.files.get(name);
    if (cached !== undefined) return cached;
    const leaflet = Object.hasOwn(LEAFLET_FILES, name);
    const folder = leaflet ? this.leafletFolder : this.folder;
    if (folder === undefined) {
      throw new ServiceUnavailableException(
        leaflet
          ? 'Leaflet is missing from this installation (npm ci installs it).'
          : 'The console files are missing from this installation (apps/api/src/console/static).',
      );
    }
    const body = readFileSync(join(folder, name));
    const file = {
      body,
      contentType: leaflet ? LEAFLET_FILES[name] : CONSOLE_FILES[name],
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    };
    this.files.set(name, file);
    return file;
  }
}
