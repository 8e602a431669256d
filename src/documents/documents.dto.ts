import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_LINK_SECONDS } from './document-links';

export class DocumentQuery {
  @ApiPropertyOptional({
    enum: ['pdf', 'html'],
    description: 'Overrides the Accept header; without either the document is a PDF',
  })
  @IsOptional()
  @IsIn(['pdf', 'html'], { message: 'format must be pdf or html' })
  format?: 'pdf' | 'html';
}

export class CreateShareLinkDto {
  @ApiProperty({
    example: 604800,
    minimum: 1,
    maximum: MAX_LINK_SECONDS,
    description: 'How long the link works, in seconds (at most 30 days)',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_LINK_SECONDS)
  expiresInSeconds: number;
}

export class ShareLinkResponse {
  @ApiProperty({
    example:
      '/v1/public/invoices/eyJpbnZvaWNlSWQiOiJpbnZfYWNtZV8yMDI2LTExIiwiZXhwIjoxNzk2MDAwMDAwfQ.q1w2e3',
    description: "The invoice's page, without an API key; relative to this API's address",
  })
  url: string;

  @ApiProperty({ example: '2026-12-08T09:00:00.000Z' }) expiresAt: string;
}
