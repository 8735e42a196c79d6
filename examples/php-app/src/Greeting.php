<?php

declare(strict_types=1);

namespace App;

final class Greeting
{
    public const SERVICE_NAME = 'php-app';
    public const MAX_NAME_LENGTH = 64;

    public static function line(?string $name = null): string
    {
        if ($name === null) {
            return 'hello from ' . self::SERVICE_NAME;
        }

        return sprintf('hello %s, from %s', self::normaliseName($name), self::SERVICE_NAME);
    }

    public static function normaliseName(string $raw): string
    {
        $parts = preg_split('/\s+/', trim($raw), -1, PREG_SPLIT_NO_EMPTY) ?: [];
        $cleaned = implode(' ', $parts);
        if ($cleaned === '') {
            throw new \InvalidArgumentException('name must not be empty');
        }

        // Cap at MAX_NAME_LENGTH UTF-8 characters using PCRE (core), so no ext-mbstring is needed.
        preg_match('/^.{0,' . self::MAX_NAME_LENGTH . '}/us', $cleaned, $m);

        return $m[0] ?? '';
    }
}
