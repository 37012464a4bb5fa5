import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeDomain } from './accounts.ts';

const label = fc.oneof(fc.constant('www'), fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/));
const host = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'io', 'co.uk', 'de'))
  .map(([labels, tld]) => `${labels.join('.')}.${tld}`);

describe('normalizeDomain', () => {
  it('reduces web addresses to the bare lower-case host', () => {
    expect(normalizeDomain('https://www.Example.com/about?x=1#top')).toBe('example.com');
    expect(normalizeDomain('  EXAMPLE.com.  ')).toBe('example.com');
    expect(normalizeDomain('http://shop.example.co.uk:8080/')).toBe('shop.example.co.uk');
    expect(normalizeDomain('sales@example.com')).toBe('example.com');
    expect(normalizeDomain('not a domain')).toBeNull();
    expect(normalizeDomain('localhost')).toBeNull();
    expect(normalizeDomain('-bad-.com')).toBeNull();
    expect(normalizeDomain('www.com')).toBe('www.com');
    expect(normalizeDomain('www.www.example.com')).toBe('example.com');
  });

  it('gives the same host for any way of writing it, and is idempotent', () => {
    fc.assert(
      fc.property(
        host,
        fc.constantFrom('', 'http://', 'https://', 'HTTPS://'),
        fc.boolean(),
        fc.constantFrom('', '/', '/path?q=1', ':443/x'),
        (bare, scheme, www, suffix) => {
          const written = `${scheme}${www ? 'WWW.' : ''}${bare.toUpperCase()}${suffix}`;
          // Leading "www." labels are dropped while a dotted name remains.
          const dropWww = (name: string): string =>
            name.startsWith('www.') && name.slice(4).includes('.') ? dropWww(name.slice(4)) : name;
          const expected = dropWww(www ? `www.${bare}` : bare);
          expect(normalizeDomain(written)).toBe(expected);
          const once = normalizeDomain(written);
          if (once !== null) expect(normalizeDomain(once)).toBe(once);
        },
      ),
    );
  });
});
