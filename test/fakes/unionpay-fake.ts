import { createHash, createSign, createVerify, X509Certificate } from 'node:crypto';
import { ServerResponse } from 'node:http';
import { deflateSync } from 'node:zlib';
import AdmZip from 'adm-zip';
import iconv from 'iconv-lite';
import { deliver, FakeRequest, FakeServer, fakeFee } from './fake-server';
import { TestCert } from './unionpay-pki';

type Fields = Record<string, string>;

/** A transaction at the fake: a payment (01), a refund (04) or a void (31). */
export interface UnionpayTxn {
  txnType: '01' | '04' | '31';
  txnSubType: string;
  bizType: string;
  orderId: string;
  txnTime: string;
  amount: number;
  backUrl: string;
  /** OPEN: the form was posted or the QR code made, nobody paid yet (queries answer 34). */
  state: 'OPEN' | 'PROCESSING' | 'SUCCEEDED' | 'FAILED';
  queryId: string | null;
  traceNo: string | null;
  /** When UnionPay took it (epoch ms). */
  tracedAt: number | null;
  origQryId: string | null;
  payTimeout: string | null;
}

export interface UnionpayNotifyOptions {
  /** Replaces fields before signing. */
  overrides?: Fields;
  /** Signs with this key and sends this certificate instead of the fake's own. */
  signer?: TestCert;
  /** Changes a field after signing. */
  tamper?: boolean;
  /** Sent instead of the signature (empty: none). */
  signature?: string;
}

/** What ACP signs: the hex SHA-256 of the sorted non-empty fields but `signature`, `k=v&…`. */
function acpDigest(fields: Fields): string {
  const text = Object.keys(fields)
    .filter((k) => k !== 'signature' && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** ACP's signature: SHA256withRSA over that hex digest, base64. */
export function acpSign(fields: Fields, keyPem: string): string {
  return createSign('RSA-SHA256').update(acpDigest(fields), 'utf8').sign(keyPem, 'base64');
}

function acpVerify(fields: Fields, certificate: X509Certificate): boolean {
  try {
    return createVerify('RSA-SHA256')
      .update(acpDigest(fields), 'utf8')
      .verify(certificate.publicKey, fields.signature ?? '', 'base64');
  } catch {
    return false;
  }
}

/** `yyyyMMddHHmmss` / `MMDDhhmmss` in Beijing. */
const beijing14 = (ms: number) =>
  new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace(/[-T:]/g, '');
/** UnionPay's settlement day ends at 23:00 Beijing. */
const settleDay = (ms: number) => new Date(ms + 9 * 3_600_000).toISOString().slice(0, 10);

/** ZM widths, in the order of the file interface specification. */
const ZM_WIDTHS = [
  3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21, 15,
  1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 32, 98,
];

/**
 * UnionPay ACP 5.1.0, faked on loopback with its own test PKI (root → middle → signing
 * certificate with UnionPay's CN form, made by the test): every request's signature is
 * checked with the merchant's certificate (respCode 11 otherwise) and its fields with the
 * rules UnionPay applies; the payer's browser posts the gateway form to frontTransReq.do;
 * answers are raw `k=v&…` messages signed with signPubKeyCert; queries answer 34 before
 * payment; back notifications are signed form posts; the statement is the base64 of a
 * deflated ZIP holding the GBK fixed-width ZM file.
 */
export class UnionpayFake {
  readonly txns = new Map<string, UnionpayTxn>();
  /** Requests that passed the signature check. */
  readonly calls: { path: string; fields: Fields }[] = [];
  /** Back notifications sent, with the gateway's answers. */
  readonly notices: { fields: Fields; status: number }[] = [];
  /** Statement edits: orderIds left out, amounts changed, lines added. */
  readonly statementEdits = {
    omit: new Set<string>(),
    amount: new Map<string, number>(),
  };
  private readonly refusals: { respCode: string; respMsg: string }[] = [];
  private seq = 0;

  private constructor(
    private readonly server: FakeServer,
    private readonly signing: TestCert,
    private readonly merchant: { merId: string; certificate: X509Certificate },
  ) {}

  static async start(signing: TestCert, merchant: { merId: string; certPem: string }) {
    const ref: { fake?: UnionpayFake } = {};
    const server = await FakeServer.start((req, res) => ref.fake!.handle(req, res));
    ref.fake = new UnionpayFake(server, signing, {
      merId: merchant.merId,
      certificate: new X509Certificate(merchant.certPem),
    });
    return ref.fake;
  }

  get url(): string {
    return this.server.url;
  }

  get received() {
    return this.server.received;
  }

  failNext(count: number, fault: { status: number } | { hang: true }): void {
    this.server.failNext(count, fault);
  }

  /** The next signed request is answered with this respCode. */
  refuseNext(respCode: string, respMsg = 'refused by the test'): void {
    this.refusals.push({ respCode, respMsg });
  }

  close(): Promise<void> {
    return this.server.close();
  }

  txn(orderId: string): UnionpayTxn {
    const txn = this.txns.get(orderId);
    if (!txn) throw new Error(`the fake has no transaction ${orderId}`);
    return txn;
  }

  /** The payer pays (or UnionPay finishes a refund); the back notification follows unless withheld. */
  async succeed(orderId: string, options: { notify?: boolean; at?: number } = {}) {
    const txn = this.txn(orderId);
    txn.state = 'SUCCEEDED';
    this.trace(txn, options.at);
    return options.notify === false ? null : this.notify(orderId);
  }

  /** The payer's card is refused: the transaction fails (origRespCode 01). */
  async fail(orderId: string, options: { notify?: boolean } = {}) {
    const txn = this.txn(orderId);
    txn.state = 'FAILED';
    this.trace(txn);
    return options.notify === false ? null : this.notify(orderId);
  }

  /** The outcome is not known yet (origRespCode 05). */
  setProcessing(orderId: string): void {
    const txn = this.txn(orderId);
    txn.state = 'PROCESSING';
    this.trace(txn);
  }

  /** Posts the back notification of a transaction to its backUrl, signed like UnionPay's. */
  async notify(orderId: string, options: UnionpayNotifyOptions = {}) {
    const txn = this.txn(orderId);
    const signer = options.signer ?? this.signing;
    const fields: Fields = {
      ...this.txnFields(txn),
      respCode: txn.state === 'SUCCEEDED' ? '00' : '01',
      respMsg: txn.state === 'SUCCEEDED' ? 'success' : '交易失败',
      signPubKeyCert: signer.pem,
      ...options.overrides,
    };
    fields.signature = acpSign(fields, signer.keyPem);
    if (options.tamper) fields.txnAmt = String(Number(fields.txnAmt) + 1);
    if (options.signature !== undefined) fields.signature = options.signature;
    const answer = await deliver(txn.backUrl, new URLSearchParams(fields).toString(), {
      'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
    });
    this.notices.push({ fields, status: answer.status });
    return answer;
  }

  private trace(txn: UnionpayTxn, at = Date.now()): void {
    this.seq += 1;
    txn.tracedAt = at;
    txn.traceNo ??= String(100000 + (this.seq % 900000));
    txn.queryId ??= `${beijing14(at)}${String(this.seq).padStart(7, '0')}`;
  }

  private txnFields(txn: UnionpayTxn): Fields {
    return {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      accessType: '0',
      merId: this.merchant.merId,
      txnType: txn.txnType,
      txnSubType: txn.txnSubType,
      bizType: txn.bizType,
      orderId: txn.orderId,
      txnTime: txn.txnTime,
      txnAmt: String(txn.amount),
      currencyCode: '156',
      ...(txn.queryId ? { queryId: txn.queryId } : {}),
      ...(txn.traceNo ? { traceNo: txn.traceNo } : {}),
      ...(txn.tracedAt
        ? {
            traceTime: beijing14(txn.tracedAt).slice(4),
            settleDate: settleDay(txn.tracedAt).slice(5).replace('-', ''),
            settleAmt: String(txn.amount),
            settleCurrencyCode: '156',
          }
        : {}),
      ...(txn.origQryId ? { origQryId: txn.origQryId } : {}),
    };
  }

  private async handle(req: FakeRequest, res: ServerResponse): Promise<void> {
    const fields: Fields = {};
    for (const [k, v] of new URLSearchParams(req.body)) fields[k] = v;
    const path = req.url.pathname;
    const front = path === '/gateway/api/frontTransReq.do';
    const problem = this.checkRequest(fields);
    if (problem) {
      return front
        ? this.page(res, `签名或报文错误: ${problem}`)
        : this.answer(res, fields, problem);
    }
    this.calls.push({ path, fields });
    const refused = this.refusals.shift();
    if (refused) return this.answer(res, fields, refused);
    if (front) return this.frontPay(res, fields);
    if (path === '/gateway/api/backTransReq.do') return this.answer(res, fields, this.back(fields));
    if (path === '/gateway/api/queryTrans.do') return this.answer(res, fields, this.query(fields));
    if (path === '/') return this.answer(res, fields, this.file(fields));
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('no such API');
  }

  /** Signature (certId must be the merchant's certificate) and the common fields. */
  private checkRequest(f: Fields): { respCode: string; respMsg: string } | null {
    const format = (what: string) => ({ respCode: '10', respMsg: `报文格式错误: ${what}` });
    if (f.version !== '5.1.0' || f.encoding !== 'UTF-8' || f.accessType !== '0')
      return format('version/encoding/accessType');
    if (f.merId !== this.merchant.merId) return { respCode: '31', respMsg: '商户状态不正确' };
    if (f.signMethod !== '01') return format('signMethod');
    const certId = BigInt(`0x${this.merchant.certificate.serialNumber}`).toString(10);
    if (f.certId !== certId) return { respCode: '11', respMsg: '验证签名失败: certId' };
    if (!acpVerify(f, this.merchant.certificate))
      return { respCode: '11', respMsg: '验证签名失败' };
    if (!/^\d{14}$/.test(f.txnTime ?? '')) return format('txnTime');
    return null;
  }

  private newTxn(f: Fields, kind: Pick<UnionpayTxn, 'txnType'>): UnionpayTxn | string {
    if (!/^[0-9A-Za-z]{8,32}$/.test(f.orderId ?? '')) return 'orderId';
    if (!/^[1-9]\d{0,11}$/.test(f.txnAmt ?? '')) return 'txnAmt';
    if (f.currencyCode !== '156') return 'currencyCode';
    if (!/^https?:\/\//.test(f.backUrl ?? '')) return 'backUrl';
    return {
      txnType: kind.txnType,
      txnSubType: f.txnSubType,
      bizType: f.bizType,
      orderId: f.orderId,
      txnTime: f.txnTime,
      amount: Number(f.txnAmt),
      backUrl: f.backUrl,
      state: 'OPEN',
      queryId: null,
      traceNo: null,
      tracedAt: null,
      origQryId: f.origQryId ?? null,
      payTimeout: f.payTimeout ?? null,
    };
  }

  /** The payer's browser posted the gateway form: UnionPay's cashier page is shown. */
  private frontPay(res: ServerResponse, f: Fields): void {
    if (f.txnType !== '01' || f.txnSubType !== '01' || f.bizType !== '000201')
      return this.page(res, '交易类型错误');
    if (f.channelType !== '07' && f.channelType !== '08') return this.page(res, 'channelType');
    if (!/^https?:\/\//.test(f.frontUrl ?? '')) return this.page(res, 'frontUrl');
    if (f.payTimeout && f.payTimeout < beijing14(Date.now())) return this.page(res, '订单已超时');
    const txn = this.newTxn(f, { txnType: '01' });
    if (typeof txn === 'string') return this.page(res, `报文格式错误: ${txn}`);
    const earlier = this.txns.get(f.orderId);
    if (earlier && (earlier.txnTime !== f.txnTime || earlier.amount !== txn.amount))
      return this.page(res, '重复交易');
    if (!earlier) this.txns.set(f.orderId, txn);
    this.page(res, `银联在线支付 订单 ${f.orderId} 金额 ${f.txnAmt} 分`);
  }

  private back(f: Fields): Fields {
    const type = `${f.txnType}/${f.txnSubType}`;
    if (type === '01/07') {
      if (f.bizType !== '000000' || f.channelType !== '08')
        return { respCode: '10', respMsg: '报文格式错误' };
      const txn = this.newTxn(f, { txnType: '01' });
      if (typeof txn === 'string') return { respCode: '10', respMsg: `报文格式错误: ${txn}` };
      if (this.txns.has(f.orderId)) return { respCode: '12', respMsg: '重复交易' };
      this.txns.set(f.orderId, txn);
      return {
        respCode: '00',
        respMsg: '成功',
        qrCode: `https://qr.95516.com/00010000/0${f.orderId.slice(0, 20)}`,
      };
    }
    if (type !== '04/00' && type !== '31/00')
      return { respCode: '10', respMsg: '报文格式错误: txnType' };
    const txn = this.newTxn(f, { txnType: f.txnType as '04' | '31' });
    if (typeof txn === 'string') return { respCode: '10', respMsg: `报文格式错误: ${txn}` };
    if (this.txns.has(f.orderId)) return { respCode: '12', respMsg: '重复交易' };
    const original = [...this.txns.values()].find(
      (t) => t.txnType === '01' && t.queryId === f.origQryId,
    );
    if (!original || original.state !== 'SUCCEEDED')
      return { respCode: '35', respMsg: '原交易不存在或状态不正确' };
    const taken = [...this.txns.values()]
      .filter((t) => t.origQryId === original.queryId && t.state !== 'FAILED')
      .reduce((sum, t) => sum + t.amount, 0);
    if (taken + txn.amount > original.amount)
      return { respCode: '36', respMsg: '与原交易信息不符: 金额' };
    if (f.txnType === '31') {
      if (txn.amount !== original.amount)
        return { respCode: '36', respMsg: '撤销金额须与原交易一致' };
      if (settleDay(original.tracedAt!) !== settleDay(Date.now()))
        return { respCode: '35', respMsg: '原交易不在当天: 不能撤销' };
    }
    txn.state = 'PROCESSING';
    this.trace(txn);
    this.txns.set(f.orderId, txn);
    return {
      respCode: '00',
      respMsg: '成功[0000000]',
      queryId: txn.queryId!,
      origQryId: f.origQryId,
    };
  }

  private query(f: Fields): Fields {
    if (f.txnType !== '00' || f.txnSubType !== '00' || f.bizType !== '000000')
      return { respCode: '10', respMsg: '报文格式错误' };
    const txn = this.txns.get(f.orderId ?? '');
    // nothing to report before the payer paid: UnionPay keeps no trade yet
    if (!txn || txn.txnTime !== f.txnTime || txn.state === 'OPEN')
      return { respCode: '34', respMsg: '查无此交易' };
    const orig = { SUCCEEDED: '00', PROCESSING: '05', FAILED: '01' }[txn.state];
    return {
      ...this.txnFields(txn),
      respCode: '00',
      respMsg: '成功',
      origRespCode: orig,
      origRespMsg: txn.state === 'FAILED' ? '交易失败' : '成功',
    };
  }

  private file(f: Fields): Fields {
    if (
      f.txnType !== '76' ||
      f.txnSubType !== '01' ||
      f.fileType !== '00' ||
      !/^\d{4}$/.test(f.settleDate ?? '')
    )
      return { respCode: '10', respMsg: '报文格式错误' };
    // MMDD carries no year: the settlement day nearest today
    const today = settleDay(Date.now());
    const year = Number(today.slice(0, 4));
    const date = [year - 1, year, year + 1]
      .map((y) => `${y}-${f.settleDate.slice(0, 2)}-${f.settleDate.slice(2)}`)
      .sort(
        (a, b) =>
          Math.abs(Date.parse(a) - Date.parse(today)) - Math.abs(Date.parse(b) - Date.parse(today)),
      )[0];
    if (date > today) return { respCode: '98', respMsg: '文件不存在' };
    const zip = this.statementZip(date);
    return {
      respCode: '00',
      respMsg: '成功',
      settleDate: f.settleDate,
      fileType: '00',
      fileName: `${this.merchant.merId}_${date.replace(/-/g, '')}.zip`,
      fileContent: deflateSync(zip).toString('base64'),
    };
  }

  /** The statement ZIP of a settlement day: the ZM file (one GBK fixed-width line each) and an empty ZME. */
  statementZip(date: string): Buffer {
    const yymmdd = date.slice(2).replace(/-/g, '');
    const lines: Buffer[] = [];
    for (const txn of this.txns.values()) {
      if (txn.state !== 'SUCCEEDED' || settleDay(txn.tracedAt!) !== date) continue;
      if (this.statementEdits.omit.has(txn.orderId)) continue;
      lines.push(this.zmLine(txn));
    }
    const zip = new AdmZip();
    zip.addFile(`INN${yymmdd}88ZM_${this.merchant.merId}`, Buffer.concat(lines));
    zip.addFile(`INN${yymmdd}88ZME_${this.merchant.merId}`, Buffer.alloc(0));
    return zip.toBuffer();
  }

  private zmLine(txn: UnionpayTxn): Buffer {
    const amount = this.statementEdits.amount.get(txn.orderId) ?? txn.amount;
    const payment = txn.txnType === '01';
    const original = payment
      ? null
      : [...this.txns.values()].find((t) => t.txnType === '01' && t.queryId === txn.origQryId)!;
    const paidAmount = payment ? amount : original!.amount;
    // the fee given back is the refund's share of the payment's fee, rounded half up
    const fee = payment
      ? fakeFee(amount)
      : Math.floor((fakeFee(paidAmount) * amount * 2 + paidAmount) / (2 * paidAmount));
    const money = (sign: 'C' | 'D', fen: number) => `${sign}${String(fen).padStart(12, '0')}`;
    const values: (string | number)[] = [
      { '01': 'S22', '31': 'S30', '04': 'S31' }[txn.txnType],
      '00049992900',
      '00049992900',
      txn.traceNo!,
      beijing14(txn.tracedAt!).slice(4),
      '6216***********0018',
      String(amount).padStart(12, '0'),
      '5812',
      '07',
      txn.queryId!,
      '',
      txn.orderId,
      '01',
      payment ? '' : original!.traceNo!,
      payment ? '' : beijing14(original!.tracedAt!).slice(4),
      money(payment ? 'D' : 'C', fee),
      money(payment ? 'C' : 'D', amount),
      '0001',
      '',
      txn.txnType,
      txn.txnSubType,
      txn.bizType,
      '01',
      '',
      '',
      '0',
      payment ? '' : txn.origQryId!,
      this.merchant.merId,
      '',
      '',
      '测试商户',
      '',
      money(payment ? 'C' : 'D', amount - fee),
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
    ];
    const cells = values.map((value, i) => {
      const bytes = iconv.encode(String(value), 'gbk');
      const width = ZM_WIDTHS[i];
      if (bytes.length > width) throw new Error(`ZM field ${i} is wider than ${width}`);
      return Buffer.concat([bytes, Buffer.alloc(width - bytes.length, 0x20)]);
    });
    const joined: Buffer[] = [];
    cells.forEach((cell, i) => joined.push(...(i === 0 ? [cell] : [Buffer.from(' '), cell])));
    return Buffer.concat([...joined, Buffer.from('\r\n')]);
  }

  /** A signed answer, written as UnionPay writes it: raw values, not URL-encoded. */
  private answer(res: ServerResponse, request: Fields, body: Fields): void {
    const fields: Fields = {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      accessType: '0',
      merId: this.merchant.merId,
      ...(request.txnType
        ? {
            txnType: request.txnType,
            txnSubType: request.txnSubType ?? '',
            bizType: request.bizType ?? '',
          }
        : {}),
      ...(request.orderId ? { orderId: request.orderId, txnTime: request.txnTime } : {}),
      ...body,
      signPubKeyCert: this.signing.pem,
    };
    for (const key of Object.keys(fields)) if (fields[key] === '') delete fields[key];
    fields.signature = acpSign(fields, this.signing.keyPem);
    res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8' });
    res.end(
      Object.entries(fields)
        .map(([k, v]) => `${k}=${v}`)
        .join('&'),
    );
  }

  private page(res: ServerResponse, text: string): void {
    res.writeHead(200, { 'content-type': 'text/html;charset=UTF-8' });
    res.end(`<!doctype html><html><body><h1>银联在线支付</h1><p>${text}</p></body></html>`);
  }
}
