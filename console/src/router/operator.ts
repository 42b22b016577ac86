import { DataAnalysis } from '@element-plus/icons-vue';
import type { RouteRecordRaw } from 'vue-router';

/** The operator side's pages (运营平台); the side menu is built from their `meta.menu`. */
export const operatorRoutes: RouteRecordRaw[] = [
  {
    path: 'operator/overview',
    name: 'operator-overview',
    component: () => import('@/features/overview/OperatorOverview.vue'),
    meta: {
      scope: 'operator',
      permission: 'stats.read',
      menu: { title: 'operator.menu.overview', icon: DataAnalysis, order: 10 },
    },
  },
];
