import type { LineBreakdownJson } from '../pricing-core';

/** A customer's charges for a period, as `GET …/charges` shows them. */
export interface ChargeLineJson extends LineBreakdownJson {
  planId: string;
  planVersion: number;
}

export interface ChargesJson {
  customerId: string;
  period: string;
  from: string;
  to: string;
  currency: string;
  total: string;
  subtotal: string;
  baseFee: string;
  minimumTopUp: string;
  lines: ChargeLineJson[];
  segments: {
    planId: string;
    planVersion: number;
    from: string;
    to: string;
    baseFee: string;
    subtotal: string;
  }[];
}
