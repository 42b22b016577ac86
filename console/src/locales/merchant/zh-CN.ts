/** The merchant side's pages (商户后台). */
export default {
  menu: {
    overview: '概览',
  },
};
