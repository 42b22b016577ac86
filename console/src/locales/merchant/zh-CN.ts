/** The merchant side's pages (商户后台). */
export default {
  menu: {
    overview: '概览',
  },
  overview: {
    merchant: '商户号 {id}',
    trend: '交易趋势',
    range: '时间范围',
    preset24h: '24 小时',
    preset7d: '7 天',
    preset30d: '30 天',
    paidAmount: '成功金额（{currency}）',
    orders: '订单数',
    totalPaid: '区间成功金额',
  },
};
