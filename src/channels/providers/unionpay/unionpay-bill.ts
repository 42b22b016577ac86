import { inflateSync } from 'node:zlib';
import AdmZip from 'adm-zip';
import iconv from 'iconv-lite';
import { StatementLine } from '../payment-provider.port';
import { fenOf, orderIdOf, refundIdOf, TXN_TYPE } from './unionpay-protocol';

/**
 * The merchant statement (对账文件) of ACP's file transfer (txnType 76, fileType 00):
 * `fileContent` is base64 of zlib-deflated bytes that unpack to a ZIP holding, among others,
 * `INN<yyMMdd>88ZM_<merId>`: one GBK line per transaction, fixed-width fields separated by
 * one space. The widths are those of the file interface specification (文件接口, ZM 文件);
 * only the fields read below are named.
 */
const ZM_FIELDS: readonly [string, number][] = [
  ['tradeCode', 3], // 交易代码
  ['acqInsCode', 11], // 代理机构标识码
  ['sendInsCode', 11], // 发送机构标识码
  ['traceNo', 6], // 系统跟踪号
  ['traceTime', 10], // 交易传输时间 MMDDhhmmss
  ['accNo', 19], // 账号
  ['txnAmt', 12], // 交易金额 (fen)
  ['merCatCode', 4], // 商户类别
  ['termType', 2], // 终端类型
  ['queryId', 21], // 查询流水号
  ['oldPayType', 2], // 支付方式（旧）
  ['orderId', 32], // 商户订单号
  ['payCardType', 2], // 支付卡类型
  ['origTraceNo', 6], // 原始交易的系统跟踪号
  ['origTraceTime', 10], // 原始交易日期时间
  ['merFee', 13], // 商户手续费 (C/D + 12 digits)
  ['settleAmt', 13], // 结算金额 (C/D + 12 digits)
  ['payType', 4], // 支付方式
  ['groupMerId', 15], // 集团商户代码
  ['txnType', 2], // 交易类型
  ['txnSubType', 2], // 交易子类
  ['bizType', 6], // 业务类型
  ['accType', 2], // 账号类型
  ['billType', 4], // 账单类型
  ['billNo', 32], // 账单号码
  ['interactMode', 1], // 交互方式
  ['origQryId', 21], // 原交易查询流水号
  ['merId', 15], // 商户代码
  ['splitType', 1], // 分账入账方式
  ['subMerId', 15], // 二级商户代码
  ['subMerAbbr', 32], // 二级商户简称
  ['subMerAmt', 13], // 二级商户分账入账金额
  ['settleNetAmt', 13], // 清算净额
  ['termId', 8], // 终端号
  ['merReserved', 32], // 商户自定义域
  ['discountAmt', 13], // 优惠金额
  ['invoiceAmt', 13], // 发票金额
  ['installmentFee', 12], // 分期付款附加手续费
  ['installmentNum', 2], // 分期付款期数
  ['tradeMedia', 1], // 交易介质
  ['origOrderId', 32], // 原始交易订单号
  ['reserved', 98], // 保留使用
];

/** Bytes of a ZM line up to the last field read (the reserved tail may be cut short). */
const ZM_MIN_BYTES = ZM_FIELDS.slice(0, 28).reduce((n, [, width]) => n + width + 1, -1);

export type ZmRecord = Record<string, string>;

/** The fields of one ZM line (GBK bytes), trimmed; null when the line is too short. */
export function parseZmLine(line: Buffer): ZmRecord | null {
  if (line.length < ZM_MIN_BYTES) return null;
  const record: ZmRecord = {};
  let at = 0;
  for (const [name, width] of ZM_FIELDS) {
    if (at >= line.length) break;
    record[name] = iconv.decode(line.subarray(at, at + width), 'gbk').trim();
    at += width + 1;
  }
  return record;
}

/** The ZIP inside `fileContent`: base64, then zlib inflate. */
export function unpackFileContent(fileContent: string): Buffer {
  const compact = fileContent.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new Error('fileContent is not base64');
  try {
    return inflateSync(Buffer.from(compact, 'base64'), { maxOutputLength: 256 * 1024 * 1024 });
  } catch {
    throw new Error('fileContent does not inflate');
  }
}

/**
 * The ZM records of a statement's ZIP for `merId` and the settlement date `yyMMdd`. A ZIP
 * without that ZM file is refused: it is not the statement asked for.
 */
export function zmRecords(zip: Buffer, merId: string, yymmdd: string): ZmRecord[] {
  let entries: AdmZip.IZipEntry[];
  try {
    entries = new AdmZip(zip).getEntries();
  } catch {
    throw new Error('the statement is not a ZIP file');
  }
  const name = `INN${yymmdd}88ZM_${merId}`;
  const entry = entries.find((e) => !e.isDirectory && e.entryName.split('/').pop() === name);
  if (!entry) throw new Error(`the statement holds no ${name}`);
  const records: ZmRecord[] = [];
  for (const line of splitLines(entry.getData())) {
    if (line.length === 0 || line.every((b) => b === 0x20)) continue;
    const record = parseZmLine(line);
    if (!record) throw new Error(`${name} has a line too short for a ZM record`);
    records.push(record);
  }
  return records;
}

/**
 * ZM records as the port's statement lines. `settleDate` (YYYY-MM-DD) gives the year that
 * MMDDhhmmss times lack: the nearest to it. Payments are txnType 01; refunds 04 and voids 31
 * (a void gives the whole payment back the same day), whose orderId is our refund id; their
 * order is found through origQryId when the payment is in the same statements, else left ''.
 */
export function statementLines(records: readonly ZmRecord[], settleDate: string): StatementLine[] {
  const orderByQueryId = new Map(
    records.filter((r) => r.txnType === TXN_TYPE.pay).map((r) => [r.queryId, orderIdOf(r.orderId)]),
  );
  const lines: StatementLine[] = [];
  for (const record of records) {
    const amount = fenOf(record.txnAmt);
    const occurredAt = monthDayTime(record.traceTime, settleDate);
    const fee = signedFen(record.merFee);
    const isPayment = record.txnType === TXN_TYPE.pay;
    const isRefund = record.txnType === TXN_TYPE.refund || record.txnType === TXN_TYPE.void;
    if (!isPayment && !isRefund) continue; // other movements (e.g. adjustments) are not ours
    if (amount === null || occurredAt === null || record.orderId === '') {
      throw new Error(`unreadable ZM record ${record.queryId || record.traceNo}`);
    }
    lines.push({
      type: isPayment ? 'payment' : 'refund',
      orderId: isPayment ? orderIdOf(record.orderId) : (orderByQueryId.get(record.origQryId) ?? ''),
      refundId: isPayment ? null : refundIdOf(record.orderId),
      channelTradeNo: record.queryId || null,
      amount,
      currency: 'CNY',
      fee: fee === null ? null : Math.abs(fee),
      status: 'SUCCEEDED',
      occurredAt,
    });
  }
  return lines;
}

/** `C000000000994` / `D000000000006`: credit or debit and 12 digits of fen. */
function signedFen(text: string | undefined): number | null {
  const m = /^([CD])(\d{12})$/.exec(text ?? '');
  if (!m) return null;
  return (m[1] === 'D' ? -1 : 1) * Number(m[2]);
}

/** Epoch ms of a Beijing `MMDDhhmmss`, in the year that puts it nearest `nearDate`. */
export function monthDayTime(text: string | undefined, nearDate: string): number | null {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text ?? '');
  if (!m) return null;
  const near = Date.parse(`${nearDate}T12:00:00+08:00`);
  const year = Number(nearDate.slice(0, 4));
  let best: number | null = null;
  for (const y of [year - 1, year, year + 1]) {
    const iso = `${y}-${m[1]}-${m[2]}T${m[3]}:${m[4]}:${m[5]}+08:00`;
    const ms = Date.parse(iso);
    // Date.parse rolls 02-30 over into March: keep only real dates
    if (
      Number.isNaN(ms) ||
      new Date(ms + 8 * 3_600_000).toISOString().slice(5, 10) !== `${m[1]}-${m[2]}`
    )
      continue;
    if (best === null || Math.abs(ms - near) < Math.abs(best - near)) best = ms;
  }
  return best;
}

function splitLines(data: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= data.length; i++) {
    if (i === data.length || data[i] === 0x0a) {
      let end = i;
      if (end > start && data[end - 1] === 0x0d) end--;
      lines.push(data.subarray(start, end));
      start = i + 1;
    }
  }
  return lines;
}
