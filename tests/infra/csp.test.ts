import { beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY_CSP } from '../../lib/directory/page.ts';
import { synth, type Synthesized } from './synth.ts';

describe('the response headers policy', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  it("sends the directory page's Content-Security-Policy, which also lets the feeds load their stylesheet", () => {
    const policies = Object.values(s.template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    expect(policies).toHaveLength(1);
    const security = policies[0]!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(security.ContentSecurityPolicy).toEqual({ ContentSecurityPolicy: DIRECTORY_CSP, Override: true });
    expect(DIRECTORY_CSP).toMatch(/style-src 'self' /);
    // CloudFront's limit on the header's value.
    expect(DIRECTORY_CSP.length).toBeLessThanOrEqual(1783);
  });
});
