#include <catch2/catch.hpp>

#include "dingwatch/core/mask.hpp"

using namespace dingwatch;

TEST_CASE("ID numbers keep only first and last character and the check digit") {
  CHECK(mask_id("8123455(3)") == "8****5(3)");
  CHECK(mask_id("A1234567(8)") == "A****7(8)");
  CHECK(mask_id("110101199003074258") == "1****8");
  CHECK(mask_id("12") == "**");
}

TEST_CASE("phone numbers keep the country code, first and last two digits") {
  CHECK(mask_phone("+853 6612 3412") == "+853 6*** **12");
  CHECK(mask_phone("+85366123412") == "+853 6*** **12");
  CHECK(mask_phone("+86 138 0013 8000") == "+86 1*** **** *00");
  CHECK(mask_phone("66123412") == "6*** **12");
}

TEST_CASE("names keep the first character of each word, UTF-8 aware") {
  CHECK(mask_name("陳大文") == "陳**");
  CHECK(mask_name("Maria Fernandes") == "M**** F********");
  CHECK(mask_name("João Sá") == "J*** S*");
  CHECK(mask_name("").empty());
}

TEST_CASE("e-mail addresses keep the first letter and the domain") {
  CHECK(mask_email("maria.f@example.mo") == "m***@example.mo");
}

TEST_CASE("free text keeps its words and masks the identity numbers and e-mail addresses in it") {
  CHECK(mask_text("身份證副本_110101199003077774.pdf") == "身份證副本_1****4.pdf");
  CHECK(mask_text("新員工資料 A123456(3).docx") == "新員工資料 A****6(3).docx");
  CHECK(mask_text("入職登記 陳大文 1234567(8)") == "入職登記 陳大文 1****7(8)");
  CHECK(mask_text("send to maria.f@example.mo today") == "send to m***@example.mo today");
  CHECK(mask_text("會議記錄 2026-11.docx") == "會議記錄 2026-11.docx");  // short numbers stay
  CHECK(mask_text("Q4 report v12345.xlsx") == "Q4 report v12345.xlsx");
  CHECK(mask_text("") == "");
}

TEST_CASE("free text masks phone and card numbers written in groups, and keeps dates") {
  CHECK(mask_text("陳生 +853 6612 3456 / 李小姐 6688-1234") == "陳生 +853 6*** **56 / 李小姐 6*** **34");
  CHECK(mask_text("王先生+8613912345678") == "王先生+86 1*** **** *78");
  CHECK(mask_text("信用卡 4563 7000 1234 5678.jpg") == "信用卡 4*** **** **** **78.jpg");
  CHECK(mask_text("+853 66123456 / 13912345678 13587654321") == "+853 6*** **56 / 1****8 1****1");
  CHECK(mask_text("會議紀錄-2026-11-25.docx") == "會議紀錄-2026-11-25.docx");
  CHECK(mask_text("排班 9:00-18:00 第 12 週.xlsx") == "排班 9:00-18:00 第 12 週.xlsx");
}
