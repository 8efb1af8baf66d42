/**
 * @aws-sdk/credential-provider-node, as the SDK clients see it: each client's default credential chain
 * (environment, then SSO, ini profiles, credential_process, web identity, container and instance metadata,
 * with the STS and SSO clients they bring, ~114 KB). In Lambda only its first link ever answers: the runtime
 * puts the function role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
 * So the bundled chain is the environment provider alone, and a run without those variables (a bundle run
 * outside Lambda with only AWS_PROFILE set, say) fails saying which ones are missing.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import notBundled from './not-bundled.cjs';

const REQUIRED = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

export function defaultProvider(init = {}) {
  const fromEnvironment = fromEnv(init);
  return async () => {
    const missing = REQUIRED.filter((name) => !process.env[name]);
    if (missing.length > 0) {
      throw notBundled(
        '@aws-sdk/credential-provider-node',
        `credentials come only from the environment in this bundle, and ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set (the Lambda runtime sets them; elsewhere, export them)`,
      );
    }
    return fromEnvironment();
  };
}
