import { ValidationFailedException } from '@huigong/platform';
import { assertWebhookUrl } from './webhook-url';

describe('webhook targets set through the API', () => {
  it.each([
    'http://localhost:8080/hook',
    'http://[::1]/hook',
    'http://169.254.169.254/latest',
    'http://10.1.2.3/hook',
    'http://[::ffff:10.0.0.1]/hook',
    'http://[2001:db8::1]/hook',
    'https://db.internal/hook',
    'ftp://example.org/hook',
    'https://user:secret@example.org/hook',
  ])('refuses %s, naming the field', (url) => {
    let thrown: unknown;
    try {
      assertWebhookUrl(url, [], 'webhookUrl');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationFailedException);
    expect(JSON.stringify((thrown as ValidationFailedException).getResponse())).toContain('webhookUrl');
  });

  it('accepts public hosts, and private ones the operator allowed', () => {
    expect(() => {
      assertWebhookUrl('https://hooks.example.org/union', []);
    }).not.toThrow();
    expect(() => {
      assertWebhookUrl('http://8.8.8.8/hook', []);
    }).not.toThrow();
    expect(() => {
      assertWebhookUrl('http://localhost:8080/hook', ['localhost']);
    }).not.toThrow();
    expect(() => {
      assertWebhookUrl(null, []);
    }).not.toThrow();
  });
});
