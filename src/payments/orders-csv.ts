import { CsvNumber, CsvTable } from '../common/csv/csv';
import { toMajorUnits } from '../common/money/money';
import { iso } from '../common/time';
import { OrderEntity } from './entities/order.entity';

/**
 * Orders as CSV, one row per order, for the console's export. Amounts are integer minor
 * units, each also in decimal form at the end for people reading it. The merchant's own text
 * (order number, product) goes through the shared writer's formula protection.
 */
export const ORDERS_CSV = new CsvTable<OrderEntity>([
  { header: 'order_id', value: (o) => o.orderId },
  { header: 'source_id', value: (o) => o.sourceId },
  { header: 'merchant_order_no', value: (o) => o.merchantOrderNo },
  { header: 'product_id', value: (o) => o.productId },
  { header: 'product_name', value: (o) => o.productName },
  { header: 'status', value: (o) => o.status },
  { header: 'channel', value: (o) => o.channelCode },
  { header: 'channel_trade_no', value: (o) => o.channelTradeNo },
  { header: 'currency', value: (o) => o.currency },
  { header: 'amount', value: (o) => o.amount },
  { header: 'fee_amount', value: (o) => o.feeAmount },
  { header: 'refunded_amount', value: (o) => o.refundedAmount },
  { header: 'late_payment', value: (o) => (o.latePayment ? 'true' : 'false') },
  { header: 'created_at', value: (o) => iso(o.createdAt) },
  { header: 'paid_at', value: (o) => iso(o.paidAt) },
  { header: 'amount_decimal', value: (o) => new CsvNumber(toMajorUnits(o.amount, o.currency)) },
  {
    header: 'fee_decimal',
    value: (o) => new CsvNumber(toMajorUnits(o.feeAmount, o.currency)),
  },
  {
    header: 'refunded_decimal',
    value: (o) => new CsvNumber(toMajorUnits(o.refundedAmount, o.currency)),
  },
]);
