import { ValidationFailedException } from '@huigong/platform/http/api-exception.filter';
import { assertWebhookUrl, isNonPublicAddress } from './webhook-url';

describe('webhook targets', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1'])(
    'treats %s as not public',
    (address) => expect(isNonPublicAddress(address)).toBe(true),
  );

  it.each(['8.8.8.8', '172.32.0.1', '2001:db8::1', 'example.org'])('treats %s as public', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });

  it('refuses loopback and private targets unless allowed', () => {
    expect(() => assertWebhookUrl('http://localhost:8080/hook', [])).toThrow(ValidationFailedException);
    expect(() => assertWebhookUrl('http://[::1]/hook', [])).toThrow(ValidationFailedException);
    expect(() => assertWebhookUrl('http://169.254.169.254/latest', [])).toThrow(ValidationFailedException);
    expect(() => assertWebhookUrl('ftp://example.org/hook', [])).toThrow(ValidationFailedException);
    expect(() => assertWebhookUrl('http://localhost:8080/hook', ['localhost'])).not.toThrow();
    expect(() => assertWebhookUrl('https://hooks.example.org/union', [])).not.toThrow();
  });
});
