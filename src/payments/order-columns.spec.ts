import { getMetadataArgsStorage } from 'typeorm';
import { OrderEntity } from './entities/order.entity';
import { ORDER_COLUMNS } from './order-columns';

describe('ORDER_COLUMNS', () => {
  it('names every column of the order entity, each with its property, and nothing else', () => {
    const entity = getMetadataArgsStorage()
      .columns.filter((c) => c.target === OrderEntity)
      .map((c) => [c.options.name ?? c.propertyName, c.propertyName])
      .sort();
    const listed = ORDER_COLUMNS.map(([column, property]) => [column, property]).sort();
    expect(listed).toEqual(entity);
  });
});
