/**
 * Every key the single table uses, in one place. Reading this file lists the table's layout;
 * the README's data-model table mirrors it.
 */

export const GSI1 = 'GSI1';

export interface TableKey {
  pk: string;
  sk: string;
}

export interface Gsi1Key {
  gsi1pk: string;
  gsi1sk: string;
}

/** Zero-padded so that string order equals numeric order in sort keys. */
export const padVersion = (version: number): string => version.toString().padStart(10, '0');

export const Keys = {
  customer: (customerId: string): TableKey => ({ pk: `CUSTOMER#${customerId}`, sk: 'PROFILE' }),
  /** All customers, ordered by id, for listing with a cursor. */
  customerList: (customerId: string): Gsi1Key => ({ gsi1pk: 'CUSTOMERS', gsi1sk: customerId }),
  customerListPartition: 'CUSTOMERS',

  planHead: (planId: string): TableKey => ({ pk: `PRICING#${planId}`, sk: 'HEAD' }),
  planVersion: (planId: string, version: number): TableKey => ({
    pk: `PRICING#${planId}`,
    sk: `VERSION#${padVersion(version)}`,
  }),
  planVersionPrefix: 'VERSION#',
  /** All plans, ordered by id. */
  planList: (planId: string): Gsi1Key => ({ gsi1pk: 'PLANS', gsi1sk: planId }),
  planListPartition: 'PLANS',
};
