<?php

declare(strict_types=1);

namespace App\Tests;

use App\Greeting;
use PHPUnit\Framework\TestCase;

final class GreetingTest extends TestCase
{
    public function testDefaultGreetingNamesTheService(): void
    {
        self::assertSame('hello from php-app', Greeting::line());
    }

    public function testPersonalGreetingCollapsesWhitespace(): void
    {
        self::assertSame('hello Ada Lovelace, from php-app', Greeting::line("  Ada \t Lovelace "));
    }

    public function testCappingCountsCharactersNotBytes(): void
    {
        self::assertSame(str_repeat('é', Greeting::MAX_NAME_LENGTH), Greeting::normaliseName(str_repeat('é', 100)));
    }

    public function testEmptyNameIsRejected(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        Greeting::normaliseName('   ');
    }

    public function testLongNamesAreCapped(): void
    {
        self::assertSame(Greeting::MAX_NAME_LENGTH, strlen(Greeting::normaliseName(str_repeat('x', 500))));
    }
}
