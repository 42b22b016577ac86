import { ApiErrors } from '../docs/api-errors.decorator';
import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../admin/audit/audit.decorator';
import { Permission } from '../auth/permissions';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import {
  BalancePageDto,
  BalancesQueryDto,
  CorrectEntryDto,
  CorrectionDto,
  JournalEntryDto,
  JournalPageDto,
  JournalQueryDto,
  ReverseEntryDto,
} from './dto/ledger.dto';
import { JournalService } from './journal.service';

@ApiTags('清算')
@ApiBearerAuth('bearer')
@Controller('v1/clearing')
export class LedgerController {
  constructor(private readonly journal: JournalService) {}

  @Get('balances')
  @Permission('clearing.read')
  @ApiErrors('invalid_date', 'invalid_cursor')
  @ApiOperation({
    summary: '账户余额 Ledger balances',
    description:
      "Per account and currency, summed from the journal lines: each channel's receivable, each merchant's payable, fee income. " +
      'Filter by `account_type`, `account`, `source_id`, `currency`; `date` gives balances as of the end of that settlement date.',
  })
  balances(@Query() query: BalancesQueryDto): Promise<BalancePageDto> {
    return this.journal.balances(query);
  }

  @Get('journal')
  @Permission('clearing.read')
  @ApiErrors('invalid_date', 'invalid_cursor')
  @ApiOperation({
    summary: '会计分录 Journal entries',
    description:
      'The double-entry journal with its lines, in recording order; filter by `order_id`, `source_id`, `date`. Entries are never ' +
      'changed: a mistake is undone by a reversal or replaced by a correction.',
  })
  list(@Query() query: JournalQueryDto): Promise<JournalPageDto> {
    return this.journal.journal(query);
  }

  @Post('journal/:entry_id/reversal')
  @Permission('clearing.manage')
  @ApiErrors('journal_entry_not_found', 'entry_already_reversed', 'entry_not_reversible')
  @Idempotent()
  @Audit('clearing.reverse', 'journal_entry', { param: 'entry_id' })
  @ApiOperation({
    summary: '冲正 Reverse a journal entry',
    description:
      "Posts the entry's mirror image (kind `reversal`), dated today: it lands on today's bill, the original stays on its own. " +
      'An entry is reversed at most once (409 `entry_already_reversed`); a reversal itself cannot be reversed (409).',
  })
  reverse(
    @Param('entry_id') entryId: string,
    @Body() body: ReverseEntryDto,
  ): Promise<JournalEntryDto> {
    return this.journal.reverseEntry(entryId, body);
  }

  @Post('journal/:entry_id/correction')
  @Permission('clearing.manage')
  @ApiErrors('journal_entry_not_found', 'entry_already_reversed', 'entry_not_reversible')
  @Idempotent()
  @Audit('clearing.correct', 'journal_entry', { param: 'entry_id' })
  @ApiOperation({
    summary: '调账 Correct a journal entry',
    description:
      'Reverses the entry and posts one with the right `amount` and `fee` (kind `correction`), together, dated today. ' +
      'The payments tables are not changed: this fixes what the ledger and the bills say.',
  })
  correct(
    @Param('entry_id') entryId: string,
    @Body() body: CorrectEntryDto,
  ): Promise<CorrectionDto> {
    return this.journal.correctEntry(entryId, body);
  }
}
