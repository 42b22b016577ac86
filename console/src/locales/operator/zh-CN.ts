/** The operator side's pages (运营平台). */
export default {
  menu: {
    overview: '概览',
  },
  overview: {
    title: '概览',
    todayAmount: '今日交易额',
    todayCount: '今日订单数',
    successRate: '成功率',
    refunds: '今日退款',
    vsYesterday: '较昨日 {change}',
    noChange: '与昨日持平',
    noYesterday: '昨日无数据',
  },
};
