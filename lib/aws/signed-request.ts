import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/**
 * One SigV4-signed HTTPS request to an AWS API. Herald calls two operations outside S3 (Lambda `Invoke` and
 * CloudFront `CreateInvalidation`), once per run at most; an SDK client for each adds tens of KB to every
 * Lambda bundle (CloudFront's was 65 KB), and bundle size is cold-start time.
 */
export type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

/** The domain of AWS's own endpoints in a region: the China regions have one of their own. */
function domainOf(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** AWS's endpoint of a regional service, e.g. `https://lambda.eu-west-1.amazonaws.com`. */
export function regionalEndpoint(service: string, region: string): string {
  return `https://${service}.${region}.${domainOf(region)}`;
}

/** A global service's one endpoint and signing region in the partition of `region` (the SDK's endpoint rules). */
export function globalEndpoint(service: string, region: string | undefined): { endpoint: string; region: string } {
  return region?.startsWith('cn-')
    ? { endpoint: `https://${service}.cn-northwest-1.${domainOf(region)}`, region: 'cn-northwest-1' }
    : { endpoint: `https://${service}.amazonaws.com`, region: 'us-east-1' };
}

export interface SignedRequest {
  /** The signing name, e.g. `lambda`, `cloudfront`. */
  service: string;
  region: string;
  /** The service's base URL: an endpoint override (moto, LocalStack) or AWS's own. */
  endpoint: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Appended to the endpoint's own path. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface SignedResponse {
  status: number;
  body: string;
}

export interface SendOptions {
  /** Tries in all; only throttling, 5xx and network failures are tried again, as the SDK's standard mode does. */
  attempts?: number;
  /** First backoff; each retry doubles it, and the wait is drawn uniformly below it ("full jitter"). */
  baseMs?: number;
  timeoutMs?: number;
}

/** Worth another try: the request may not have been acted on, or the service asked us to slow down. */
function retryable(response: SignedResponse): boolean {
  return response.status >= 500 || response.status === 429 || (response.status === 400 && /Throttl/.test(response.body));
}

/**
 * Signs and sends a request, retrying what the SDK would retry. Returns the last response whatever its
 * status (callers know which status means success); throws only when no response came at all.
 * Callers send only requests that are safe to repeat: an idempotency token, or an effect that is.
 */
export async function sendSigned(credentials: Credentials, request: SignedRequest, options: SendOptions = {}): Promise<SignedResponse> {
  const { attempts = 3, baseMs = 100, timeoutMs = 10_000 } = options;
  const base = new URL(request.endpoint);
  const path = `${base.pathname.replace(/\/$/, '')}${request.path}`;
  const signer = new SignatureV4({ service: request.service, region: request.region, credentials, sha256: Sha256 });
  for (let tried = 1; ; tried++) {
    let response: SignedResponse | undefined;
    let failure: unknown;
    try {
      // Signed per attempt: the signature carries a timestamp AWS rejects after 15 minutes of clock skew.
      const signed = await signer.sign({
        method: request.method,
        protocol: base.protocol,
        hostname: base.hostname,
        ...(base.port && { port: Number(base.port) }),
        path,
        query: {},
        headers: { host: base.host, ...request.headers },
        ...(request.body !== undefined && { body: request.body }),
      });
      const reply = await fetch(new URL(path, base), {
        method: request.method,
        headers: signed.headers,
        ...(request.body !== undefined && { body: request.body }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      response = { status: reply.status, body: await reply.text() };
    } catch (error) {
      failure = error;
    }
    if (response && (!retryable(response) || tried >= attempts)) return response;
    if (!response && tried >= attempts) throw failure;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * baseMs * 2 ** (tried - 1)));
  }
}

/** The SDK's checksum shape over node:crypto: a hash, or an HMAC when given a secret. */
export class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.start();
  }
  private start(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key =
      typeof this.secret === 'string'
        ? this.secret
        : ArrayBuffer.isView(this.secret)
          ? new Uint8Array(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : new Uint8Array(this.secret);
    return createHmac('sha256', key);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.start();
  }
}
