import { ProviderError } from '../payment-provider.port';
import { SigningCredential, UnionpayTrust, VerifiedCertificates } from './unionpay-certs';
import { UnionpayConfig } from './unionpay-config';
import {
  ACCESS_TYPE_MERCHANT,
  ACP_ENCODING,
  ACP_VERSION,
  RESP_UNAVAILABLE,
  SIGN_METHOD_RSA,
} from './unionpay-protocol';
import { AcpFields, parseAcpAnswer, signFields, verifyFields } from './unionpay-signing';

/** The largest answer read (a statement's fileContent included): far above one merchant's day. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export const PATHS = {
  front: '/gateway/api/frontTransReq.do',
  back: '/gateway/api/backTransReq.do',
  query: '/gateway/api/queryTrans.do',
} as const;

/**
 * One channel's ACP client: fills the common fields, signs each request with the merchant's
 * certificate, posts it as a form, and trusts an answer only after its `signPubKeyCert` chains
 * to the configured UnionPay certificates and its signature verifies. Failures become the
 * port's kinds: no answer in time is `timeout`; network errors, 5xx, unverifiable answers and
 * UnionPay's own trouble (02, 06, 99) are `unavailable`. Other answer codes are returned for
 * the caller to read.
 */
export class UnionpayClient {
  private readonly verified = new VerifiedCertificates();

  constructor(
    private readonly config: UnionpayConfig,
    readonly credential: SigningCredential,
    readonly trust: UnionpayTrust,
    private readonly timeoutMs: number,
    /** The clock certificates are checked against; tests move it. */
    private readonly now: () => number = Date.now,
  ) {}

  get merId(): string {
    return this.config.mer_id;
  }

  /** A request's fields with the common ones, certId and signature. */
  sign(fields: AcpFields): AcpFields {
    const message: AcpFields = {
      version: ACP_VERSION,
      encoding: ACP_ENCODING,
      signMethod: SIGN_METHOD_RSA,
      accessType: ACCESS_TYPE_MERCHANT,
      merId: this.config.mer_id,
      ...fields,
      certId: this.credential.certId,
    };
    return { ...message, signature: signFields(message, this.credential.privateKey) };
  }

  /** Posts a signed request to the gateway (`path`) or the file host (`path` null). */
  async post(path: string | null, fields: AcpFields): Promise<AcpFields> {
    const url = path === null ? `${this.config.file_url}/` : `${this.config.gateway_url}${path}`;
    const what = `unionpay ${path ?? 'file transfer'} (${fields.txnType ?? '?'})`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: new URLSearchParams(this.sign(fields)).toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw transportFailure(what, error);
    }
    let body: string;
    try {
      const bytes = Buffer.from(await response.arrayBuffer());
      if (bytes.length > MAX_ANSWER_BYTES) throw new Error('the answer is too large');
      body = bytes.toString('utf8');
    } catch (error) {
      throw transportFailure(what, error);
    }
    if (response.status !== 200) {
      throw new ProviderError('unavailable', `${what}: HTTP ${response.status}`);
    }
    const answer = parseAcpAnswer(body.trim());
    if (!answer)
      throw new ProviderError('unavailable', `${what}: the answer is not an ACP message`);
    const problem = this.untrusted(answer);
    if (problem) throw new ProviderError('unavailable', `${what}: answer not trusted: ${problem}`);
    if (RESP_UNAVAILABLE.has(answer.respCode)) {
      throw new ProviderError('unavailable', `${what}: ${answer.respMsg ?? ''}`, answer.respCode);
    }
    return answer;
  }

  /**
   * Why a message from UnionPay (an answer or a back notification) cannot be trusted, or null:
   * its signing certificate must pass the chain and CN checks, its signature must verify, and
   * it must be for this merchant.
   */
  untrusted(message: AcpFields): string | null {
    if (message.signMethod !== SIGN_METHOD_RSA)
      return `signMethod ${message.signMethod ?? 'missing'}`;
    if (!message.signature) return 'it is not signed';
    const pem = message.signPubKeyCert;
    if (!pem) return 'it carries no signPubKeyCert';
    const checked = this.verified.check(pem, this.trust, this.now());
    if ('problem' in checked) return checked.problem;
    if (!verifyFields(message, checked.key)) return 'the signature does not verify';
    if (message.merId !== undefined && message.merId !== this.config.mer_id) {
      return 'it is for another merId';
    }
    return null;
  }
}

function transportFailure(what: string, error: unknown): ProviderError {
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ProviderError('timeout', `${what}: timed out`);
  }
  return new ProviderError(
    'unavailable',
    `${what}: ${(error as Error)?.message ?? String(error)}`.slice(0, 300),
  );
}
