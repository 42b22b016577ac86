import {
  Connection,
  DataAnalysis,
  Document,
  Key,
  RefreshLeft,
  Tickets,
  User,
  VideoPlay,
} from '@element-plus/icons-vue';
import type { RouteRecordRaw } from 'vue-router';

/** The merchant side's pages (商户后台); the side menu is built from their `meta.menu`. */
export const merchantRoutes: RouteRecordRaw[] = [
  {
    path: 'merchant/overview',
    name: 'merchant-overview',
    component: () => import('@/features/overview/MerchantOverview.vue'),
    meta: {
      scope: 'merchant',
      permission: 'stats.read',
      menu: { title: 'merchant.menu.overview', icon: DataAnalysis, order: 10 },
    },
  },
  {
    path: 'merchant/payments',
    name: 'merchant-payments',
    component: () => import('@/features/merchant/PaymentsView.vue'),
    meta: {
      scope: 'merchant',
      permission: 'payments.read',
      menu: { title: 'merchant.menu.payments', icon: Tickets, order: 20 },
    },
  },
  {
    path: 'merchant/refunds',
    name: 'merchant-refunds',
    component: () => import('@/features/merchant/RefundsView.vue'),
    meta: {
      scope: 'merchant',
      permission: 'payments.read',
      menu: { title: 'merchant.menu.refunds', icon: RefreshLeft, order: 30 },
    },
  },
  {
    path: 'merchant/payment-test',
    name: 'merchant-payment-test',
    component: () => import('@/features/merchant/PaymentTestView.vue'),
    meta: {
      scope: 'merchant',
      // the test order is made through a static code (商户码): console sessions create no payments
      permission: 'qr_codes.manage',
      menu: { title: 'merchant.menu.test', icon: VideoPlay, order: 40 },
    },
  },
  {
    path: 'merchant/webhooks',
    name: 'merchant-webhooks',
    component: () => import('@/features/merchant/WebhooksView.vue'),
    meta: {
      scope: 'merchant',
      permission: 'events.read',
      menu: { title: 'merchant.menu.webhooks', icon: Connection, order: 50 },
    },
  },
  {
    path: 'merchant/credentials',
    name: 'merchant-credentials',
    component: () => import('@/features/merchant/CredentialsView.vue'),
    meta: {
      scope: 'merchant',
      permission: 'credentials.read',
      menu: { title: 'merchant.menu.credentials', icon: Key, order: 60 },
    },
  },
  {
    path: 'merchant/bills',
    name: 'merchant-bills',
    component: () => import('@/features/merchant/BillsView.vue'),
    meta: {
      scope: 'merchant',
      permission: 'bills.read',
      menu: { title: 'merchant.menu.bills', icon: Document, order: 70 },
    },
  },
  {
    path: 'merchant/users',
    name: 'merchant-users',
    component: () => import('@/features/merchant/UsersView.vue'),
    meta: {
      scope: 'merchant',
      permission: 'users.read',
      menu: { title: 'merchant.menu.users', icon: User, order: 80 },
    },
  },
];
