import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/huigong');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.port).toBe(3000);
    expect(config.appTimezone).toBe('Asia/Shanghai');
    expect(config.queuePrefix).toBe('huigong');
    expect(config.webhookAllowedHosts).toEqual([]);
  });

  it('generates an admin key in development only', () => {
    const dev = loadConfig({});
    expect(dev.adminApiKeyGenerated).toBe(true);
    expect(dev.adminApiKey.length).toBeGreaterThanOrEqual(24);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ADMIN_API_KEY is required/);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', APP_TIMEZONE: 'Mars/Olympus', REDIS_URL: 'http://x', DATABASE_URL: '::' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'APP_TIMEZONE', 'REDIS_URL', 'DATABASE_URL']) expect(message).toContain(name);
  });

  it('reaches one Redis unless REDIS_CLUSTER_NODES lists the nodes of a cluster, and names a node it cannot read', () => {
    expect(loadConfig({}).redisClusterNodes).toBeNull();
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.7:7001,[::1]:7002' }).redisClusterNodes).toEqual([
      { host: 'redis-0.redis', port: 6379 },
      { host: '10.0.0.7', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-0:6379,redis-1' })).toThrow(/REDIS_CLUSTER_NODES .* got "redis-1"/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-0:70000' })).toThrow(/REDIS_CLUSTER_NODES/);
  });

  it('splits the area among matchers by MATCHER_REGIONS, with the region a matcher owns and the border of its copies', () => {
    expect(loadConfig({}).matcherRegions).toBeNull();
    const split = loadConfig({
      MATCHER_REGIONS: 'west:121.3,31.1,121.55,31.45; east:121.55,31.1,121.8,31.45',
      MATCHER_REGION: 'east',
      MATCHER_REGION_BORDER_KM: '12',
    });
    expect(split.matcherRegions).toEqual({
      regions: [
        { name: 'west', minLng: 121.3, minLat: 31.1, maxLng: 121.55, maxLat: 31.45 },
        { name: 'east', minLng: 121.55, minLat: 31.1, maxLng: 121.8, maxLat: 31.45 },
      ],
      mine: 'east',
      borderKm: 12,
    });
    expect(loadConfig({ MATCHER_REGIONS: 'all:-180,-90,180,90' }).matcherRegions?.borderKm).toBe(50);
    expect(() => loadConfig({ MATCHER_REGIONS: 'west:121.3,31.1,121.55,31.45', MATCHER_REGION: 'north' })).toThrow(
      /MATCHER_REGION must be one of .*west.* got "north"/,
    );
    expect(() => loadConfig({ MATCHER_REGION: 'east' })).toThrow(/MATCHER_REGIONS names no regions/);
    expect(() => loadConfig({ MATCHER_REGIONS: 'west:121.55,31.1,121.3,31.45' })).toThrow(/MATCHER_REGIONS .* the smaller first/);
    expect(() => loadConfig({ MATCHER_REGIONS: 'a:1,1,2,2;a:2,2,3,3' })).toThrow(/"a" is named twice/);
    expect(() => loadConfig({ MATCHER_REGIONS: 'a:1,1,2,2', MATCHER_REGION_BORDER_KM: '-1' })).toThrow(/MATCHER_REGION_BORDER_KM/);
  });

  it('takes a QUEUE_PREFIX with one hash tag, as BullMQ documents for Redis Cluster, and refuses other braces', () => {
    expect(loadConfig({ QUEUE_PREFIX: '{huigong}' }).queuePrefix).toBe('{huigong}');
    expect(loadConfig({ QUEUE_PREFIX: 'city.{huigong}' }).queuePrefix).toBe('city.{huigong}');
    for (const bad of ['{a}{b}', 'huigong}', 'hui gong', 'x'.repeat(65)]) expect(() => loadConfig({ QUEUE_PREFIX: bad })).toThrow(/QUEUE_PREFIX/);
  });

  it('prepares statements unless DATABASE_PREPARED_STATEMENTS is off, and refuses anything but on or off', () => {
    expect(loadConfig({}).databasePreparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'off' }).databasePreparedStatements).toBe(false);
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'On' }).databasePreparedStatements).toBe(true);
    expect(() => loadConfig({ DATABASE_PREPARED_STATEMENTS: 'sometimes' })).toThrow(/DATABASE_PREPARED_STATEMENTS must be on or off, got "sometimes"/);
  });

  it("takes the map page's tiles and centre from MAP_TILE_URL and MAP_CENTER, and refuses what a map cannot use", () => {
    expect(loadConfig({}).map).toEqual({
      tileUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
      attribution: '© OpenStreetMap contributors',
      center: { lat: 31.2705, lng: 121.549 },
    });
    expect(loadConfig({ MAP_TILE_URL: 'https://{s}.tiles.example/{z}/{x}/{y}.png', MAP_CENTER: '23.9, 106.6' }).map.center).toEqual({ lat: 23.9, lng: 106.6 });
    expect(() => loadConfig({ MAP_TILE_URL: 'https://tiles.example/tile.png' })).toThrow(/MAP_TILE_URL/);
    expect(() => loadConfig({ MAP_CENTER: 'Baise' })).toThrow(/MAP_CENTER/);
  });

  it('keeps the benefit map behind a key unless PUBLIC_BENEFIT_MAP is true', () => {
    expect(loadConfig({}).publicBenefitMap).toBe(false);
    expect(loadConfig({ PUBLIC_BENEFIT_MAP: 'true' }).publicBenefitMap).toBe(true);
    expect(() => loadConfig({ PUBLIC_BENEFIT_MAP: 'yes please' })).toThrow(/PUBLIC_BENEFIT_MAP must be true or false/);
  });

  it('keeps published outbox rows 7 days and processed-event marks 30, and refuses a mark that would not outlive a failed job', () => {
    expect(loadConfig({}).retention).toEqual({ publishedOutboxDays: 7, processedEventsDays: 30 });
    expect(loadConfig({ OUTBOX_RETENTION_DAYS: '2', PROCESSED_EVENTS_RETENTION_DAYS: '15' }).retention).toEqual({
      publishedOutboxDays: 2,
      processedEventsDays: 15,
    });
    expect(() => loadConfig({ OUTBOX_RETENTION_DAYS: '0' })).toThrow(/OUTBOX_RETENTION_DAYS must be a whole number of days, at least 1, got "0"/);
    expect(() => loadConfig({ OUTBOX_RETENTION_DAYS: 'a week' })).toThrow(/OUTBOX_RETENTION_DAYS/);
    expect(() => loadConfig({ PROCESSED_EVENTS_RETENTION_DAYS: '14' })).toThrow(
      /PROCESSED_EVENTS_RETENTION_DAYS must be a whole number of days, at least 15 \(a failed job is kept 14 days and may be retried until then: its mark must outlive it\), got "14"/,
    );
  });

  it('requires the gateway secret with the gateway URL', () => {
    expect(() => loadConfig({ WORKER_GATEWAY_URL: 'https://sms.example.org/hook' })).toThrow(/WORKER_GATEWAY_SECRET/);
  });

  it('sends email only with both an SMTP server and a sender, and never echoes the server URL', () => {
    expect(loadConfig({}).email).toBeNull();
    expect(loadConfig({ SMTP_URL: 'smtps://mailer:s3cret@mail.union.example:465', SMTP_FROM: '惠工 <noreply@union.example>' }).email).toEqual({
      smtpUrl: 'smtps://mailer:s3cret@mail.union.example:465',
      from: '惠工 <noreply@union.example>',
    });
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525', SMTP_FROM: 'noreply@union.example' }).email?.from).toBe('noreply@union.example');
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.union.example' })).toThrow(/SMTP_FROM is required when SMTP_URL is set/);
    expect(() => loadConfig({ SMTP_FROM: 'noreply@union.example' })).toThrow(/SMTP_FROM is set but SMTP_URL is not/);
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.union.example', SMTP_FROM: 'the union' })).toThrow(/SMTP_FROM must be an address/);
    expect(() => loadConfig({ SMTP_URL: 'smtp://', SMTP_FROM: 'noreply@union.example' })).toThrow(/SMTP_URL must name the mail server/);
    let message = '';
    try {
      loadConfig({ SMTP_URL: 'https://mailer:s3cret@mail.union.example', SMTP_FROM: 'noreply@union.example' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/SMTP_URL must be a smtp:\/\/ or smtps:\/\/ URL/);
    expect(message).not.toContain('s3cret');
  });

  it('splits the webhook allow list', () => {
    expect(loadConfig({ WEBHOOK_ALLOWED_HOSTS: ' Localhost, 127.0.0.1 ,' }).webhookAllowedHosts).toEqual(['localhost', '127.0.0.1']);
  });

  it('limits requests to 600 a minute unless told otherwise, and 0 or off lifts the limit', () => {
    expect(loadConfig({}).rateLimitPerMinute).toBe(600);
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '30' }).rateLimitPerMinute).toBe(30);
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute).toBeNull();
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: 'OFF' }).rateLimitPerMinute).toBeNull();
    expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: 'many' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: '-5' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });

  it('gives a partner’s key 120,000 requests a minute unless told otherwise', () => {
    expect(loadConfig({}).partnerRateLimitPerMinute).toBe(120_000);
    expect(loadConfig({ PARTNER_RATE_LIMIT_PER_MINUTE: '6000' }).partnerRateLimitPerMinute).toBe(6000);
    expect(() => loadConfig({ PARTNER_RATE_LIMIT_PER_MINUTE: '0' })).toThrow(/PARTNER_RATE_LIMIT_PER_MINUTE/);
    expect(() => loadConfig({ PARTNER_RATE_LIMIT_PER_MINUTE: 'lots' })).toThrow(/PARTNER_RATE_LIMIT_PER_MINUTE/);
  });

  it('trusts no proxy for the client address unless TRUST_PROXY gives a hop count', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: ' 2 ' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'False' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).toBe(false);
    // `true` (every hop) would let a client name its own address in X-Forwarded-For.
    for (const bad of ['true', '-1', '1.5', 'loopback'])
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(
        `TRUST_PROXY must be how many proxies in front of the API to trust for the client's address (a whole number such as 1), or false for none, got "${bad}".`,
      );
  });

  it('reads the log level', () => {
    expect(loadConfig({}).logLevel).toBe('info');
    expect(loadConfig({ LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of/);
  });

  it('reads the notice locale: zh-CN unless told en, and names any other', () => {
    expect(loadConfig({}).noticeLocale).toBe('zh-CN');
    expect(loadConfig({ NOTICE_LOCALE: ' en ' }).noticeLocale).toBe('en');
    expect(() => loadConfig({ NOTICE_LOCALE: 'fr' })).toThrow('NOTICE_LOCALE must be zh-CN or en, got "fr".');
  });

  it('gives each worker its own ops port, off on request, never the API port', () => {
    expect(loadConfig({}).opsPorts).toEqual({ matcher: 3001, notifier: 3002 });
    expect(loadConfig({ MATCHER_OPS_PORT: 'off', NOTIFIER_OPS_PORT: '0' }).opsPorts).toEqual({ matcher: null, notifier: null });
    expect(() => loadConfig({ MATCHER_OPS_PORT: '70000' })).toThrow(/MATCHER_OPS_PORT must be a port/);
    expect(() => loadConfig({ PORT: '3002' })).toThrow(/NOTIFIER_OPS_PORT must differ from PORT/);
    expect(() => loadConfig({ MATCHER_OPS_PORT: '9100', NOTIFIER_OPS_PORT: '9100' })).toThrow(/NOTIFIER_OPS_PORT must differ from MATCHER_OPS_PORT/);
  });
});
