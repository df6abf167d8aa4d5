import datetime

import factory

from tests.crypto_testapp.models import Company, Person


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = "张三丰"
    id_number = "11010519491231002X"
    phone = "13800138000"
    email = factory.Sequence(lambda n: f"zhang.san{n}@example.com")
    date_of_birth = datetime.date(1949, 12, 31)
    address = "北京市朝阳区建国路88号"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    legal_name = "北京示例科技有限公司"
    id_number = "91350100M000100Y43"
